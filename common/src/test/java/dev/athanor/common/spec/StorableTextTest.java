package dev.athanor.common.spec;

import dev.athanor.common.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StorableTextTest {

    @Test
    void defect12NulAndUnpairedSurrogatesAreNotStorable() throws Exception {
        assertThat(StorableText.isStorable("a man is running, 4k 你好 \uD83D\uDE00")).isTrue();
        assertThat(StorableText.isStorable(null)).isTrue();
        assertThat(StorableText.problem("a\u0000b")).contains("U+0000");
        assertThat(StorableText.problem("x\uD800")).contains("surrogate");
        assertThat(StorableText.problem("\uDC00x")).contains("surrogate");
        assertThat(StorableText.printable("a\u0000b\uD800")).isEqualTo("a\\u0000b\\uD800");
    }

    @Test
    void defect12CheckNamesEveryFieldOfAJsonTree() throws Exception {
        var tree = Json.strict().readTree("{\"name\": \"ok\", \"labels\": {\"team\": \"a\\u0000\"}, "
                + "\"spec\": {\"prompts\": [\"fine\", \"bad\\ud800\"]}, \"k\\u0000\": 1}");
        assertThat(StorableText.check(tree)).extracting(FieldError::field)
                .containsExactly("labels.team", "spec.prompts[1]", "k\\u0000");
    }
}
