package dev.athanor.controlplane.api;

import dev.athanor.common.spec.FieldError;

import java.util.List;

/** A 400 answer with a title and optional field errors. */
public class BadRequestProblem extends RuntimeException {
    private final String title;
    private final List<FieldError> errors;

    public BadRequestProblem(String title, String detail, List<FieldError> errors) {
        super(detail);
        this.title = title;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public BadRequestProblem(String title, String detail) {
        this(title, detail, List.of());
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
