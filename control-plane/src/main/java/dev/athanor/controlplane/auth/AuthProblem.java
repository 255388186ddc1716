package dev.athanor.controlplane.auth;

/**
 * An authentication or authorization failure answered as a problem: 401 (with {@code WWW-Authenticate: Bearer}),
 * 403, or 404 (a team the caller has no role in, so its existence cannot be inferred).
 */
public class AuthProblem extends RuntimeException {
    private final int status;
    private final String title;

    public AuthProblem(int status, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
    }

    public static AuthProblem unauthorized(String detail) {
        return new AuthProblem(401, "Unauthorized", detail);
    }

    public static AuthProblem forbidden(String detail) {
        return new AuthProblem(403, "Forbidden", detail);
    }

    public static AuthProblem notFound(String detail) {
        return new AuthProblem(404, "Not found", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
