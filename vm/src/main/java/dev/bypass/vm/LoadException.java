package dev.bypass.vm;


/** A program cannot be loaded: an unknown helper, an unresolved map reference, and the like. */
public final class LoadException extends BpfException {
    public LoadException(String message) { super(message); }
}
