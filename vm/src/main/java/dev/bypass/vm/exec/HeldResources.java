package dev.bypass.vm.exec;

/**
 * What helpers hold for a thread's executions from one helper call to another, such as ring buffer records reserved
 * and not yet submitted or spin locks taken and not yet released. The verifier proves a program gives everything
 * back before it exits; this is the safety net for a program stopped by an error or run unverified: whoever ends its
 * run calls {@link ExecutionState#releaseHeld()}, so nothing it held blocks other programs or consumers for good.
 * Kept by the {@link ExecutionState} ({@link ExecutionState#held}), one per kind.
 */
public interface HeldResources {
    /** Gives back everything still held; returns how many there were. */
    int releaseAll();
}
