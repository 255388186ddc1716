package dev.athanor.worker.label;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The useful part of a chat.completion response.
 *
 * @param content the assistant message
 * @param model   the model that answered
 * @param usage   the {@code usage} object (prompt_tokens, completion_tokens, total_tokens); may be null
 */
public record ChatReply(String content, String model, JsonNode usage) {
    public long totalTokens() {
        return usage == null ? 0 : usage.path("total_tokens").asLong(0);
    }
}
