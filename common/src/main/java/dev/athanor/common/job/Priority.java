package dev.athanor.common.job;

/** Priority classes; a higher {@link #weight()} is scheduled first and may preempt lower ones. */
public enum Priority {
    LOW(0),
    NORMAL(100),
    HIGH(200),
    URGENT(300);

    private final int weight;

    Priority(int weight) {
        this.weight = weight;
    }

    public int weight() {
        return weight;
    }
}
