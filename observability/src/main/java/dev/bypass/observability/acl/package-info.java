/**
 * The File/ACL example of access control by program: {@link dev.bypass.observability.acl.AclAdmin} maintains the
 * file records and indexes of a loaded {@code acl_filter} object while programs check opens against them, and
 * {@link dev.bypass.observability.agent.AclClient} does the same in another JVM through its agent's administration
 * endpoint.
 */
package dev.bypass.observability.acl;
