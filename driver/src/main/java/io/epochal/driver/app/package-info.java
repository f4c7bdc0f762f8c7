/**
 * Wires the command line to the product: the {@link io.epochal.driver.config.ModelCatalog} backed
 * by the worker's registry, optimizers and schedules, and the
 * {@link io.epochal.driver.cli.TrainingLauncher} that runs, resumes, reports and inspects jobs.
 * Both are found by the CLI through {@link java.util.ServiceLoader}.
 */
package io.epochal.driver.app;
