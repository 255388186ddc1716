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
            lines.add("hint: pass a valid token with --token or the ATHANOR_TOKEN environment variable");
        } else if (status == 403) {
            lines.add("hint: your token is not allowed to do this (check the team and role it belongs to)");
        }
        return lines;
    }
}
