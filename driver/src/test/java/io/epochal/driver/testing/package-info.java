/** Test helpers shared by the driver's test packages: in-process CLI runs and the format fixture. */
package io.epochal.driver.testing;
