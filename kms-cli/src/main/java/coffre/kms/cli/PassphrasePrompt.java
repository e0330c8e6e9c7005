package coffre.kms.cli;

import java.io.Console;

/**
 * Asks the person at the terminal for a passphrase without echoing it. Injected through
 * {@link CliRuntime} so tests, and programs that embed the CLI, can answer without a terminal.
 */
@FunctionalInterface
public interface PassphrasePrompt {

    /**
     * Shows {@code prompt} and reads one line without echo.
     *
     * @return the characters typed (the caller wipes them), or null when there is no terminal to ask
     */
    char[] read(String prompt);

    /** Reads from {@link System#console()}; null when the JVM has no console (input or output redirected). */
    static PassphrasePrompt console() {
        return prompt -> {
            Console console = System.console();
            return console == null ? null : console.readPassword("%s", prompt);
        };
    }

    /** Never answers: as if there were no terminal. */
    static PassphrasePrompt none() {
        return prompt -> null;
    }
}
