# Sourced by bench/agent-cpu.sh and bench/side-by-side.sh: nginx terminating TLS in front of a plain-http upstream on
# loopback, with a certificate for 127.0.0.1 signed by a private CA made in $work; only that CA ($work/ca.pem) is to be
# trusted (SSL_CERT_FILE). Needs $work, the pids array and free_port from the caller.
# TLS_PROTOCOLS (default "TLSv1.2 TLSv1.3", nginx's own default from 1.23.4 and Debian's nginx.conf; nginx 1.22's
# compiled-in default leaves TLS 1.3 out) is nginx's ssl_protocols.
# start_tls_nginx UPSTREAM_URL: sets tls_url (https://127.0.0.1:PORT) once nginx answers UPSTREAM's /healthz; returns 1
# (its logs in $work/nginx.log and $work/nginx/) when it does not.
start_tls_nginx() {
  local upstream=$1 port
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=bench-ca \
    -keyout "$work/ca.key" -out "$work/ca.pem" >/dev/null 2>&1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
    -keyout "$work/tls.key" -out "$work/tls.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1\n' >"$work/san.ext"
  openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/san.ext" -out "$work/tls.pem" >/dev/null 2>&1
  port=$(free_port)
  mkdir -p "$work/nginx"
  cat >"$work/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $work/tls.pem;
    ssl_certificate_key $work/tls.key;
    ssl_protocols ${TLS_PROTOCOLS:-TLSv1.2 TLSv1.3};
    location / { proxy_pass $upstream; proxy_set_header Host \$host; }
  }
}
NGINX
  /usr/sbin/nginx -c "$work/nginx.conf" -p "$work/nginx" >"$work/nginx.log" 2>&1 &
  pids+=($!)
  tls_url=https://127.0.0.1:$port
  for _ in $(seq 40); do curl -fsS --cacert "$work/ca.pem" -o /dev/null "$tls_url/healthz" 2>/dev/null && return 0; sleep 0.25; done
  curl -fsS --cacert "$work/ca.pem" -o /dev/null "$tls_url/healthz"
}
