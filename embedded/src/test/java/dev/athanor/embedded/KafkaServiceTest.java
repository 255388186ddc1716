package dev.athanor.embedded;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class KafkaServiceTest {

    @TempDir
    Path home;

    @Test
    void roundTripAndStorageFormattedOnceAndReusedOnRestart() throws Exception {
        Path data = home.resolve("kafka");
        String metaBefore;
        try (KafkaService kafka = KafkaService.start(data, 0, 0)) {
            assertThat(kafka.formattedNow()).isTrue();
            assertThat(KafkaService.isFormatted(data)).isTrue();
            metaBefore = Files.readString(data.resolve("meta.properties"));
            assertThat(metaBefore).contains(kafka.clusterId());
            produce(kafka.bootstrapServers(), "first");
            assertThat(consumeAll(kafka.bootstrapServers(), 1)).containsExactly("first");
        }

        try (KafkaService kafka = KafkaService.start(data, 0, 0)) {
            assertThat(kafka.formattedNow()).as("restart must reuse the formatted storage").isFalse();
            assertThat(Files.readString(data.resolve("meta.properties"))).isEqualTo(metaBefore);
            produce(kafka.bootstrapServers(), "second");
            // the record written before the restart is still there
            assertThat(consumeAll(kafka.bootstrapServers(), 2)).containsExactly("first", "second");
        }
    }

    private static void produce(String bootstrap, String value) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            p.send(new ProducerRecord<>("embedded-test", "job-1", value)).get();
        }
    }

    private static List<String> consumeAll(String bootstrap, int expected) {
        List<String> got = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "t-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            c.subscribe(List.of("embedded-test"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    got.add(r.value());
                }
                return got.size() >= expected;
            });
        }
        return got;
    }
}
