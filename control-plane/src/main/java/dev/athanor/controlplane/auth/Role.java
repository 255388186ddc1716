package dev.athanor.controlplane.auth;

/** A member's role in one team, weakest first: each role can do everything the roles before it can. */
public enum Role {
    /** Sees the team's jobs, queues, quotas and usage. */
    VIEWER,
    /** Also submits and cancels the team's jobs. */
    MEMBER,
    /** Also manages the team's members and tokens. */
    TEAM_ADMIN;

    public boolean atLeast(Role other) {
        return ordinal() >= other.ordinal();
    }
}
