package dev.athanor.cli.command;

/** How a command prints what it got: a human table, or the API's JSON / YAML for scripts. */
public enum OutputFormat {
    table, json, yaml
}
