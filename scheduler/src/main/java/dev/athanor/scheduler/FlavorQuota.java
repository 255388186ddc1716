package dev.athanor.scheduler;

/**
 * A team's quota for one flavor, in GPUs (Kueue semantics). {@code nominal} is guaranteed to the team;
 * {@code borrowingLimit} is how much more than nominal it may take from its cohort; {@code lendingLimit} is how much of
 * its unused nominal it lends to the cohort (the rest, {@code nominal - lendingLimit}, stays reserved for it).
 * {@link #UNLIMITED} for no limit.
 */
public record FlavorQuota(int nominal, int borrowingLimit, int lendingLimit) {

    public static final int UNLIMITED = Integer.MAX_VALUE;

    public FlavorQuota {
        if (nominal < 0 || borrowingLimit < 0 || lendingLimit < 0) {
            throw new IllegalArgumentException("quota values must be >= 0");
        }
    }

    /** Nominal quota, unlimited borrowing, everything unused lendable. */
    public static FlavorQuota of(int nominal) {
        return new FlavorQuota(nominal, UNLIMITED, UNLIMITED);
    }

    /** Nominal quota with no borrowing (a static slice) that still lends what it does not use. */
    public static FlavorQuota fixed(int nominal) {
        return new FlavorQuota(nominal, 0, UNLIMITED);
    }

    /** The part of nominal the team lends to its cohort. */
    public long lendable() {
        return Math.min((long) lendingLimit, nominal);
    }

    /** The part of nominal nobody else can use. */
    public long guaranteed() {
        return nominal - lendable();
    }
}
