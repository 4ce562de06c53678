package kubecheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Server is a kube-apiserver of one release, started on loopback ports
// over an etcd that runs inside this process. Nothing else of a cluster
// runs: no controller manager, scheduler, kubelet or network plugin (see
// Stand-ins in tier.go for what the tier does in their place).
type Server struct {
	// URL is the secure endpoint, https://127.0.0.1:<port>.
	URL string
	// Release is the kube-apiserver release (v1.35.4).
	Release string
	// Client talks to the server as a cluster administrator.
	Client *Client

	dir  string
	etcd *embed.Etcd
	cmd  *exec.Cmd
	log  *tail
	done chan struct{}
	err  error // the process's exit, once done is closed
}

// ServiceClusterIPRange is the Services' address range: EKS's default
// for clusters whose VPC is in 10.0.0.0/8 (172.20.0.0/16), so that no
// configured range overlaps it.
const ServiceClusterIPRange = "172.20.0.0/16"

// Start starts etcd and the kube-apiserver binary and waits until the
// server is ready (GET /readyz). The caller must Close it.
func Start(ctx context.Context, binary string) (*Server, error) {
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("kube-apiserver binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "stratum-kubecheck-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, log: &tail{max: 64 << 10}, done: make(chan struct{})}
	if err := s.start(ctx, binary); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, binary string) error {
	etcdURL, err := s.startEtcd()
	if err != nil {
		return fmt.Errorf("embedded etcd: %w", err)
	}
	token, err := randomHex(32)
	if err != nil {
		return err
	}
	// One administrator, in system:masters; the tier acts as other users
	// (a tenant, the load balancer controller) by impersonation.
	tokens := filepath.Join(s.dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(fmt.Sprintf("%s,%s,stratum-kubecheck,\"system:masters\"\n", token, AdminUser)), 0o600); err != nil {
		return err
	}
	key, pub, err := serviceAccountKeys(s.dir)
	if err != nil {
		return err
	}
	certs := filepath.Join(s.dir, "certs")
	// The secure port is picked here and handed over: another process can
	// take it in between, so a bind failure is retried with a new port.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		args := []string{
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			fmt.Sprintf("--secure-port=%d", port),
			"--cert-dir=" + certs,
			"--token-auth-file=" + tokens,
			"--authorization-mode=RBAC",
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + pub,
			"--service-account-signing-key-file=" + key,
			"--service-cluster-ip-range=" + ServiceClusterIPRange,
			// EKS enables these besides the default admission plugins,
			// and allows privileged containers (its add-ons run some):
			// Pod Security decides per namespace.
			"--enable-admission-plugins=NodeRestriction,ExtendedResourceToleration",
			"--allow-privileged=true",
			"--profiling=false",
			"--enable-priority-and-fairness=false",
			"--watch-cache=false",
		}
		s.cmd = exec.Command(binary, args...)
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := s.cmd.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", binary, err)
		}
		s.done = make(chan struct{})
		go func(cmd *exec.Cmd, done chan struct{}) {
			s.err = cmd.Wait()
			close(done)
		}(s.cmd, s.done)
		s.URL, s.Client = fmt.Sprintf("https://127.0.0.1:%d", port), nil
		lastErr = s.waitReady(ctx, token, certs)
		if lastErr == nil {
			return nil
		}
		s.stopProcess()
		if !strings.Contains(s.log.String(), "address already in use") {
			break
		}
	}
	return fmt.Errorf("kube-apiserver did not become ready: %w\n--- its last output ---\n%s", lastErr, s.log.lastLines(40))
}

// waitReady polls /readyz until the server answers 200, the process
// exits, or a minute passes.
func (s *Server) waitReady(ctx context.Context, token, certs string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var last string
	for {
		select {
		case <-s.done:
			return fmt.Errorf("kube-apiserver exited: %v", s.err)
		case <-ctx.Done():
			return fmt.Errorf("%w (last answer: %s)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
		if s.Client == nil {
			// The serving certificate is written at start-up; trust it,
			// and nothing else.
			pemBytes, err := os.ReadFile(filepath.Join(certs, "apiserver.crt"))
			if err != nil {
				last = err.Error()
				continue
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemBytes) {
				return fmt.Errorf("%s holds no certificate", filepath.Join(certs, "apiserver.crt"))
			}
			s.Client = newClient(s.URL, token, &http.Client{
				Timeout:   30 * time.Second,
				Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
			})
		}
		status, body, err := s.Client.raw(ctx, http.MethodGet, "/readyz", "", nil, "")
		switch {
		case err != nil:
			last = err.Error()
		case status == http.StatusOK:
			var v struct{ GitVersion string }
			if err := s.Client.Get(ctx, "/version", &v); err != nil {
				return err
			}
			s.Release = v.GitVersion
			return nil
		default:
			last = fmt.Sprintf("%d %s", status, strings.TrimSpace(string(body)))
		}
	}
}

// startEtcd starts a single-member etcd on loopback ports the kernel
// picks, keeping its data in the server's directory, and returns its
// client URL.
func (s *Server) startEtcd() (string, error) {
	cfg := embed.NewConfig()
	cfg.Name = "kubecheck"
	cfg.Dir = filepath.Join(s.dir, "etcd")
	local := func(port string) []url.URL { return []url.URL{{Scheme: "http", Host: "127.0.0.1:" + port}} }
	// Peers never connect (one member); clients find the port the kernel
	// chose through the listener.
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = local("0"), local("0")
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = local("0"), local("0")
	cfg.ListenMetricsUrls = nil
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// Its errors reach the API server, whose log the tier keeps; etcd
	// logs its own shutdown at error level.
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	// Test data: a crash loses nothing worth keeping.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return "", err
	}
	s.etcd = e
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		return "", err
	case <-time.After(30 * time.Second):
		return "", errors.New("not ready within 30s")
	}
	return "http://" + e.Clients[0].Addr().String(), nil
}

// Close stops the server and etcd and removes their files.
func (s *Server) Close() error {
	s.stopProcess()
	if s.etcd != nil {
		s.etcd.Close()
	}
	return os.RemoveAll(s.dir)
}

func (s *Server) stopProcess() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Log is the server's recent output (its last 64 KiB).
func (s *Server) Log() string { return s.log.String() }

// AdminUser is the user the tier's administrator token authenticates.
const AdminUser = "stratum-kubecheck-admin"

// serviceAccountKeys writes an RSA key pair for signing and verifying
// service account tokens and returns the two paths.
func serviceAccountKeys(dir string) (key, pub string, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return "", "", err
	}
	key, pub = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600); err != nil {
		return "", "", err
	}
	return key, pub, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append([]byte(nil), t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func (t *tail) lastLines(n int) string {
	lines := bytes.Split(bytes.TrimRight([]byte(t.String()), "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
