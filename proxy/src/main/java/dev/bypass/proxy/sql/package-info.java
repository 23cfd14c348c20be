/**
 * What a query text does, as far as its tokens tell: a lexer of PostgreSQL's syntax
 * ({@link dev.bypass.proxy.sql.SqlLexer}: comments, every quoting form, dollar quotes) and a classifier that gives
 * each statement of a text its {@link dev.bypass.proxy.sql.StatementClass} (select, insert, update, delete, ddl,
 * transaction, utility, routine, other), so that the query hook's programs judge statements, not strings.
 */
package dev.bypass.proxy.sql;
