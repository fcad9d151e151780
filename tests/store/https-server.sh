#!/usr/bin/env bash
# A throwaway HTTPS store for tests: nginx with dav_methods PUT DELETE on
# 127.0.0.1, a CA and server certificate made here, /basic/ behind basic
# auth (user crash, password from $3) and /bearer/ behind a bearer token
# ($4), both listing in JSON (autoindex), /nolist/ taking PUTs without
# listing, /moved/ answering every request with a redirect. Everything
# lives in DIR; nothing is installed or left running.
#   https-server.sh start DIR PASSWORD TOKEN   prints the port
#   https-server.sh stop DIR
set -eu
cmd=$1 dir=$2

case $cmd in
start)
        password=$3 token=$4
        mkdir -p "$dir/www/basic" "$dir/www/bearer" "$dir/www/nolist" "$dir/tmp"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=vmcored-test-ca \
                -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
                -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/san.ext"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
                -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
        printf 'crash:%s\n' "$(openssl passwd -apr1 "$password")" >"$dir/htpasswd"
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        user=
        [ "$(id -u)" -eq 0 ] && user="user root;"
        cat >"$dir/nginx.conf" <<CONF
$user
daemon on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
        access_log $dir/access.log;
        client_body_temp_path $dir/tmp;
        proxy_temp_path $dir/tmp;
        fastcgi_temp_path $dir/tmp;
        uwsgi_temp_path $dir/tmp;
        scgi_temp_path $dir/tmp;
        client_max_body_size 0;
        server {
                listen 127.0.0.1:$port ssl;
                ssl_certificate $dir/server.crt;
                ssl_certificate_key $dir/server.key;
                root $dir/www;
                location /basic/ {
                        auth_basic vmcored;
                        auth_basic_user_file $dir/htpasswd;
                        dav_methods PUT DELETE;
                        create_full_put_path on;
                        autoindex on;
                        autoindex_format json;
                }
                location /bearer/ {
                        if (\$http_authorization != "Bearer $token") { return 401; }
                        dav_methods PUT DELETE;
                        create_full_put_path on;
                        autoindex on;
                        autoindex_format json;
                }
                # A store whose server does not list (nginx answers 403
                # for a directory).
                location /nolist/ {
                        dav_methods PUT DELETE;
                        create_full_put_path on;
                }
                # A store URL that moved: every request is redirected.
                location /moved/ {
                        return 301 /basic/;
                }
        }
}
CONF
        nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log"
        for _ in $(seq 50); do
                [ -s "$dir/nginx.pid" ] && break
                sleep 0.1
        done
        echo "$port"
        ;;
stop)
        [ -s "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
        ;;
esac
