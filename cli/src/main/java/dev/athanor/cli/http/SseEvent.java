package dev.athanor.cli.http;

/** One Server-Sent Event: its {@code event:} name ({@code message} if none was given), {@code data:} and {@code id:}. */
public record SseEvent(String event, String data, String id) {
}
