package dev.athanor.embedded;

import java.nio.file.Files;
import java.nio.file.Path;

/** Sends this JVM's own logs (Kafka broker, zonky) to HOME/logs/embedded.log; must run before the first logger. */
final class Logging {
    private Logging() {
    }

    static void toFile(Path home) {
        try {
            Path logs = Stack.logs(home);
            Files.createDirectories(logs);
            setIfAbsent("org.slf4j.simpleLogger.logFile", logs.resolve("embedded.log").toString());
        } catch (Exception e) {
            setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        }
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
        setIfAbsent("org.slf4j.simpleLogger.log.kafka", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.state.change.logger", "warn");
        // log4j-core comes with kafka-server; keep its status logger quiet
        setIfAbsent("log4j2.statusLoggerLevel", "OFF");
    }

    private static void setIfAbsent(String k, String v) {
        if (System.getProperty(k) == null) {
            System.setProperty(k, v);
        }
    }
}
