/**
 * Program contexts: what r1 points to when a program starts. A {@link dev.bypass.vm.ctx.ContextLayout} is a
 * structure of {@link dev.bypass.vm.ctx.ContextField}s (offsets, sizes, which may be written, which hold packet
 * pointers), a raw byte array, or a buffer with its length in r2. Program types pair a section name with a layout;
 * the verifier admits only accesses that fall on declared fields, and hosts encode their context objects into it.
 */
package dev.bypass.vm.ctx;
