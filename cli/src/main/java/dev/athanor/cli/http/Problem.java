package dev.athanor.cli.http;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.athanor.common.spec.FieldError;

import java.util.ArrayList;
import java.util.List;

/** An RFC 9457 {@code application/problem+json} body as the Athanor API sends it. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Problem(String type, String title, Integer status, String detail, String instance, List<FieldError> errors) {

    public Problem {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** {@code error: <title>: <detail>} followed by one {@code   field: message} line per field error. */
    public List<String> render() {
        List<String> lines = new ArrayList<>();
        String head = title != null && !title.isBlank() ? title : (status != null ? "HTTP " + status : "request failed");
        if (detail != null && !detail.isBlank() && !detail.equals(head)) {
            head = head + ": " + detail;
        }
        lines.add("error: " + head);
        for (FieldError e : errors) {
            lines.add("  " + (e.field() == null || e.field().isBlank() ? "(request)" : e.field()) + ": " + e.message());
        }
        return lines;
    }
}
