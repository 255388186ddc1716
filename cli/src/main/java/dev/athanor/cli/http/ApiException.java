package dev.athanor.cli.http;

import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;

import java.util.ArrayList;
import java.util.List;

/** The server answered with an error status; carries the problem it sent (or one made up from the status). */
public class ApiException extends CliException {
    private final int status;
    private final Problem problem;

    public ApiException(int status, Problem problem) {
        super(exitCodeFor(status), linesFor(status, problem));
        this.status = status;
        this.problem = problem;
    }

    public int status() {
        return status;
    }

    public Problem problem() {
        return problem;
    }

    /** 404 → 4, 400/413/415/422 → 2, anything else (401, 403, 409, 5xx) → 1. */
    public static int exitCodeFor(int status) {
        return switch (status) {
            case 404, 410 -> ExitCodes.NOT_FOUND;
            case 400, 413, 415, 422 -> ExitCodes.INVALID;
            default -> ExitCodes.FAILED;
        };
    }

    private static List<String> linesFor(int status, Problem problem) {
        List<String> lines = new ArrayList<>(problem.render());
        if (status == 401) {
            lines.add("hint: not authenticated: pass a valid, unexpired, unrevoked token with the ATHANOR_TOKEN "
                    + "environment variable or --token (the embedded stack writes one to ~/.athanor/admin-token)");
        } else if (status == 403) {
            lines.add("hint: forbidden: your token's subject lacks the role this needs (see: athanor whoami)");
        }
        return lines;
    }
}
