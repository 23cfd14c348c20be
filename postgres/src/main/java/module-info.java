/** A private PostgreSQL server run from the binaries on the class path, for the demo and the tests. */
module dev.bypass.postgres {
    requires org.slf4j;

    exports dev.bypass.postgres;
}
