# The pooler settings both proxy scripts give PgBouncer and Bypass alike (Bypass reads PgBouncer's ini format):
# pooler_ini FILE PG_PORT LISTEN_PORT POOL_SIZE AUTH_FILE [EXTRA_LINE...]
pooler_ini() {
    local file=$1 pg_port=$2 listen_port=$3 pool=$4 auth_file=$5
    shift 5
    {
        printf '[databases]\ndemo = host=127.0.0.1 port=%s dbname=demo\n[pgbouncer]\n' "$pg_port"
        printf 'listen_addr = 127.0.0.1\nlisten_port = %s\nauth_type = trust\nauth_file = %s\n' "$listen_port" "$auth_file"
        printf 'pool_mode = transaction\ndefault_pool_size = %s\nmax_client_conn = 1000\n' "$pool"
        printf 'ignore_startup_parameters = extra_float_digits\n'
        for line in "$@"; do printf '%s\n' "$line"; done
    } > "$file"
}
