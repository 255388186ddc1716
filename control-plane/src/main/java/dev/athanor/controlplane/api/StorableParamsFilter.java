package dev.athanor.controlplane.api;

import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.StorableText;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses path and query parameters holding text PostgreSQL cannot store ({@link StorableText}, e.g. {@code %00})
 * with a 400 naming the parameter, instead of a 500 from the database.
 */
public class StorableParamsFilter {

    @ServerRequestFilter
    public Optional<Response> check(ContainerRequestContext ctx) {
        List<FieldError> errors = new ArrayList<>();
        collect(ctx.getUriInfo().getPathParameters(true), errors);
        collect(ctx.getUriInfo().getQueryParameters(true), errors);
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Problem.response(400, "Invalid request", errors.stream().map(FieldError::toString)
                .reduce((a, b) -> a + "; " + b).orElse(""), errors));
    }

    private static void collect(MultivaluedMap<String, String> params, List<FieldError> errors) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            String name = StorableText.printable(e.getKey());
            if (!StorableText.isStorable(e.getKey())) {
                errors.add(new FieldError(name, "parameter name " + StorableText.problem(e.getKey())));
            }
            for (String v : e.getValue()) {
                String p = StorableText.problem(v);
                if (p != null) {
                    errors.add(new FieldError(name, p));
                    break;
                }
            }
        }
    }
}
