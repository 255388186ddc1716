package dev.athanor.controlplane.auth;

import dev.athanor.controlplane.api.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps {@link AuthProblem} to {@code application/problem+json}; 401 also carries {@code WWW-Authenticate}. */
public class AuthMappers {

    public static final String CHALLENGE = "Bearer realm=\"athanor\"";

    @ServerExceptionMapper
    public Response auth(AuthProblem e) {
        return response(e);
    }

    static Response response(AuthProblem e) {
        Response r = Problem.response(e.status(), e.title(), e.getMessage());
        if (e.status() == 401) {
            return Response.fromResponse(r).header("WWW-Authenticate", CHALLENGE).build();
        }
        return r;
    }
}
