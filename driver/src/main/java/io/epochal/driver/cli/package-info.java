/**
 * The {@code epochal} command ({@link io.epochal.driver.cli.EpochalCli}): subcommands
 * {@code train}, {@code resume}, {@code status}, {@code history}, {@code inspect}, {@code gen-data}, {@code verify},
 * {@code export}, {@code predict}, {@code evaluate} and {@code chaos}, the documented {@link
 * io.epochal.driver.cli.ExitCodes}, the {@link io.epochal.driver.cli.TrainingLauncher} the
 * application implements to run jobs, and a console {@link io.epochal.driver.cli.ProgressReporter}.
 */
package io.epochal.driver.cli;
