/**
 * Tests on real processes: the {@code epochal} command in child JVMs, killed with SIGKILL and
 * resumed ({@code DriverKillTest}), and the application jar run through Spark's
 * {@code SparkSubmit} on Spark's own jars ({@code SparkSubmitAppJarIT}, after {@code package}).
 */
package io.epochal.driver.process;
