/**
 * Fault injection for the whole system: {@link io.epochal.driver.chaos.ChaosRunner} trains a small
 * job in child driver processes, kills the driver (SIGKILL) or an executor at random moments,
 * resumes with {@code epochal resume} until the job completes, and compares the final checkpoint
 * with an uninterrupted reference run bit for bit. {@code epochal chaos} and {@code bin/epochal-chaos}
 * run it from the command line.
 */
package io.epochal.driver.chaos;
