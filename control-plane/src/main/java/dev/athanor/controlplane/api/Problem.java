package dev.athanor.controlplane.api;

import dev.athanor.common.spec.FieldError;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** An RFC 9457 problem document ({@code application/problem+json}). */
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response response(int status, String title, String detail) {
        return response(status, title, detail, null);
    }

    public static Response response(int status, String title, String detail, List<FieldError> errors) {
        String type = "https://athanor.dev/problems/" + title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return Response.status(status).type(MEDIA_TYPE)
                .entity(new Problem(type, title, status, detail, errors == null || errors.isEmpty() ? null : errors))
                .build();
    }
}
