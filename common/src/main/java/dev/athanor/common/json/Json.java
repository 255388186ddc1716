package dev.athanor.common.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.UncheckedIOException;

/** The JSON conventions of Athanor: ISO-8601 instants, no nulls on output, strict or lenient input. */
public final class Json {
    private static final ObjectMapper STRICT = configure(JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build());
    private static final ObjectMapper LENIENT = configure(JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build());

    private Json() {
    }

    public static ObjectMapper configure(ObjectMapper m) {
        m.registerModule(new JavaTimeModule());
        m.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        m.setSerializationInclusion(JsonInclude.Include.NON_NULL);
        return m;
    }

    /** Unknown fields are errors: for user input (job specs), so typos are caught. */
    public static ObjectMapper strict() {
        return STRICT;
    }

    /** Unknown fields are ignored: for the event contract, so newer producers can add fields. */
    public static ObjectMapper lenient() {
        return LENIENT;
    }

    public static String write(Object o) {
        try {
            return LENIENT.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
