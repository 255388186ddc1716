package dev.athanor.controlplane.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.StorableText;

import java.util.List;
import java.util.regex.Pattern;

/** Request-body and query helpers of the identity endpoints. */
final class Bodies {
    static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

    private Bodies() {
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    static void failOn(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new BadRequestProblem("Invalid request", errors.stream().map(FieldError::toString)
                    .reduce((a, b) -> a + "; " + b).orElse(""), errors);
        }
    }

    static <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new BadRequestProblem("Malformed JSON", "the request body is empty; send a JSON object");
        }
        try {
            JsonNode n = Json.strict().readTree(body);
            if (n == null || !n.isObject()) {
                throw new BadRequestProblem("Malformed JSON", "the body must be a JSON object");
            }
            failOn(StorableText.check(n));
            return Json.strict().treeToValue(n, type);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new BadRequestProblem("Invalid request", "unknown field '" + e.getPropertyName() + "'",
                    List.of(new FieldError(e.getPropertyName(), "unknown field")));
        } catch (JsonProcessingException e) {
            throw new BadRequestProblem("Malformed JSON", e.getOriginalMessage());
        }
    }
}
