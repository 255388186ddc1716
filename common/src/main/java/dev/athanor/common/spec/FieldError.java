package dev.athanor.common.spec;

/** One problem with one field of a request, e.g. {@code spec.strength: must be between 0 and 1}. */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
