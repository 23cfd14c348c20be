package dev.bypass.proxy.config;

/** A configuration error: where (file and line), which key, and what is wrong. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) { super(message); }
}
