/**
 * The proxy's configuration model: the key table of PgBouncer 1.24 plus this proxy's own keys
 * ({@link dev.bypass.proxy.config.Settings}, each a {@link dev.bypass.proxy.config.Setting} with its default and
 * whether RELOAD changes it), {@code [databases]}, {@code [users]} and {@code [peers]} entries, the {@code [programs]}
 * section ({@link dev.bypass.proxy.config.ProgramSpec}), and the files they name: auth_file secrets, pg_hba-style
 * rules and ident maps. Errors name the file, line and key ({@link dev.bypass.proxy.config.ConfigException}).
 * The file itself is read by {@link dev.bypass.proxy.config.ProxyConfigFile}.
 */
package dev.bypass.proxy.config;
