package dev.athanor.cli;

import dev.athanor.cli.command.CancelCommand;
import dev.athanor.cli.command.GetCommand;
import dev.athanor.cli.command.ListCommand;
import dev.athanor.cli.command.LogsCommand;
import dev.athanor.cli.command.MemberCommand;
import dev.athanor.cli.command.SecretCommand;
import dev.athanor.cli.command.TokenCommand;
import dev.athanor.cli.command.WhoamiCommand;
import dev.athanor.cli.command.MetricsCommand;
import dev.athanor.cli.command.QueueCommand;
import dev.athanor.cli.command.SubmitCommand;
import dev.athanor.cli.command.TimelineCommand;
import dev.athanor.cli.command.WatchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code athanor}: the command-line client of the Athanor control plane. */
@Command(name = "athanor",
        mixinStandardHelpOptions = true,
        versionProvider = AthanorCli.Version.class,
        description = {"Submit and follow GPU jobs on an Athanor control plane.", ""},
        subcommands = {SubmitCommand.class, ListCommand.class, GetCommand.class, WatchCommand.class, LogsCommand.class,
                CancelCommand.class, TimelineCommand.class, MetricsCommand.class, QueueCommand.class,
                WhoamiCommand.class, TokenCommand.class, MemberCommand.class, SecretCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Environment: ATHANOR_SERVER (default http://localhost:8080), ATHANOR_TOKEN.",
                "Token: --token, else $ATHANOR_TOKEN, else the file $ATHANOR_HOME/admin-token (default",
                "~/.athanor/admin-token, written by './athanor up' on its first start).",
                "Exit codes: 0 ok, 1 operation or job failed (also 401 not authenticated, 403 forbidden),",
                "2 usage or invalid input, 3 server unreachable, 4 not found."},
        sortOptions = false)
public final class AthanorCli implements Callable<Integer> {
    public static final String DEFAULT_SERVER = "http://localhost:8080";

    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;
    private final boolean tty;

    public AthanorCli(Map<String, String> env, boolean tty) {
        this.env = env;
        this.tty = tty;
    }

    public static void main(String[] args) {
        boolean tty = System.console() != null;
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new PrintStream(System.out, true, StandardCharsets.UTF_8), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new PrintStream(System.err, true, StandardCharsets.UTF_8), StandardCharsets.UTF_8), true);
        int code = run(args, out, err, System.getenv(), tty);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code; never calls System.exit. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, boolean tty) {
        CommandLine cl = commandLine(env, tty);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    public static CommandLine commandLine(Map<String, String> env, boolean tty) {
        CommandLine cl = new CommandLine(new AthanorCli(env, tty));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            commandLine.getOut().flush();
            if (ex instanceof CliException ce) {
                ce.lines().forEach(err::println);
                err.flush();
                return ce.exitCode();
            }
            err.println("error: " + (ex.getMessage() == null ? ex.getClass().getName() : ex.getMessage()));
            if (env.containsKey("ATHANOR_DEBUG")) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.FAILED;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.INVALID;
        });
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.INVALID;
    }

    /** The server URL: {@code --server} given to the subcommand, else to {@code athanor}, else ATHANOR_SERVER. */
    public String server(GlobalOptions sub) {
        if (sub != null && sub.server != null) {
            return sub.server;
        }
        if (global.server != null) {
            return global.server;
        }
        String e = env.get("ATHANOR_SERVER");
        return e == null || e.isBlank() ? DEFAULT_SERVER : e;
    }

    /** The token: {@code --token}, else ATHANOR_TOKEN, else the admin-token file of the embedded stack, else none. */
    public String token(GlobalOptions sub) {
        if (sub != null && sub.token != null) {
            return sub.token;
        }
        if (global.token != null) {
            return global.token;
        }
        String e = env.get("ATHANOR_TOKEN");
        if (e != null && !e.isBlank()) {
            return e.trim();
        }
        Path file = tokenFile();
        if (file != null && Files.isRegularFile(file)) {
            try {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                return t.isEmpty() ? null : t;
            } catch (IOException ignored) {
                return null;
            }
        }
        return null;
    }

    /** {@code $ATHANOR_HOME/admin-token}, else {@code $HOME/.athanor/admin-token}; null without either variable. */
    public Path tokenFile() {
        String home = env.get("ATHANOR_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home.trim(), "admin-token");
        }
        String user = env.get("HOME");
        return user == null || user.isBlank() ? null : Path.of(user, ".athanor", "admin-token");
    }

    public boolean tty() {
        return tty;
    }

    public Map<String, String> env() {
        return env;
    }

    public static String version() {
        try (InputStream in = AthanorCli.class.getResourceAsStream("/athanor-cli.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("$")) {
                    return v;
                }
            }
        } catch (IOException ignored) {
            // fall through
        }
        String v = AthanorCli.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"athanor-cli " + version(), "Java " + System.getProperty("java.version")};
        }
    }
}
