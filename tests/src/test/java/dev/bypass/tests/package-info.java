/** Cross-module end-to-end tests against real components (PostgreSQL, clients, clang-built objects). */
package dev.bypass.tests;
