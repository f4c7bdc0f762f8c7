/**
 * Tests on real processes: the {@code epochal} command in child JVMs, killed with SIGKILL
 * ({@code DriverKillTest}) or stopped with SIGTERM ({@code DriverStopTest}) and resumed, the
 * application jar run through Spark's {@code SparkSubmit} on Spark's own jars
 * ({@code SparkSubmitAppJarIT}, after {@code package}), and a supervised driver on a standalone
 * master ({@code StandaloneSuperviseIT}).
 */
package io.epochal.driver.process;
