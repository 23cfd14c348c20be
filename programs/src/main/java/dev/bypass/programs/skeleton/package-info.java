/**
 * Typed skeletons: Java source generated from an object's BTF so host code reads and writes maps through records
 * and typed accessors instead of packing bytes ({@code bypass gen skeleton prog.o}).
 */
package dev.bypass.programs.skeleton;
