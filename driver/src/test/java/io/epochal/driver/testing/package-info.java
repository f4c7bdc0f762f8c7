/** Test helpers shared by the driver's test packages: in-process CLI runs, the format fixture, checkpoint files. */
package io.epochal.driver.testing;
