package kubecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client is a small Kubernetes API client over net/http and JSON: the
// tier needs create, server-side apply, get, update and discovery, and
// client-go would bring the Kubernetes API machinery into go.mod for that.
type Client struct {
	base, token string
	http        *http.Client
	// as is the impersonated user and groups (none: the administrator).
	as     string
	groups []string
	// discovery is shared by the clients As makes.
	discovery *discovery
}

// discovery caches the server's discovery documents, by apiVersion.
type discovery struct {
	mu   sync.Mutex
	docs map[string][]apiResource
}

func newClient(base, token string, hc *http.Client) *Client {
	return &Client{base: base, token: token, http: hc, discovery: &discovery{docs: map[string][]apiResource{}}}
}

// As returns a client that makes its requests as user by impersonation:
// admission policies see user in request.userInfo. The impersonated user
// is a cluster administrator too (system:masters), so that RBAC never
// decides what the tier checks.
func (c *Client) As(user string) *Client {
	return &Client{base: c.base, token: c.token, http: c.http, as: user, groups: []string{"system:masters"}, discovery: c.discovery}
}

// StatusError is a request the server refused, with the Status it sent.
type StatusError struct {
	Code    int
	Reason  string
	Message string
}

func (e *StatusError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("HTTP %d %s", e.Code, e.Reason)
}

// raw sends one request and returns the status code and body.
func (c *Client) raw(ctx context.Context, method, path, contentType string, body []byte, query string) (int, []byte, error) {
	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.as != "" {
		req.Header.Set("Impersonate-User", c.as)
		for _, g := range c.groups {
			req.Header.Add("Impersonate-Group", g)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Do sends in (JSON, or the bytes as they are) and decodes the answer
// into out (when not nil). An answer other than 2xx is a *StatusError.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, contentType string, in, out any) error {
	var body []byte
	switch v := in.(type) {
	case nil:
	case []byte:
		body = v
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	if contentType == "" && body != nil {
		contentType = "application/json"
	}
	status, b, err := c.raw(ctx, method, path, contentType, body, query.Encode())
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status < 200 || status > 299 {
		se := &StatusError{Code: status}
		var st struct{ Reason, Message string }
		if json.Unmarshal(b, &st) == nil && st.Message != "" {
			se.Reason, se.Message = st.Reason, st.Message
		} else {
			se.Message = fmt.Sprintf("HTTP %d: %s", status, strings.TrimSpace(string(b)))
		}
		return se
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// Get decodes the object at path into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.Do(ctx, http.MethodGet, path, nil, "", nil, out)
}

// apiResource is one entry of an API group version's discovery document.
type apiResource struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Namespaced bool   `json:"namespaced"`
}

// Target is where an object of a kind lives in the API.
type Target struct {
	// Collection is the path of the objects of its kind (in namespace,
	// when the kind is namespaced).
	Collection string
	Namespaced bool
}

// Path is the object's own path.
func (t Target) Path(name string) string { return t.Collection + "/" + url.PathEscape(name) }

// Locate finds where objects of apiVersion and kind live, through the
// server's discovery documents. A kind the server does not serve (yet: a
// CRD takes a moment to be served) is looked up again until wait passes.
func (c *Client) Locate(ctx context.Context, apiVersion, kind, namespace string, wait time.Duration) (Target, error) {
	prefix := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		prefix = "/api/" + apiVersion
	}
	deadline := time.Now().Add(wait)
	d := c.discovery
	for {
		d.mu.Lock()
		list, cached := d.docs[apiVersion]
		d.mu.Unlock()
		if !cached {
			var doc struct {
				Resources []apiResource `json:"resources"`
			}
			err := c.Get(ctx, prefix, &doc)
			if se, ok := err.(*StatusError); ok && se.Code == http.StatusNotFound {
				err = nil
			}
			if err != nil {
				return Target{}, fmt.Errorf("discovery of %s: %w", apiVersion, err)
			}
			list = doc.Resources
			d.mu.Lock()
			d.docs[apiVersion] = list
			d.mu.Unlock()
		}
		for _, r := range list {
			if r.Kind != kind || strings.Contains(r.Name, "/") {
				continue
			}
			t := Target{Collection: prefix + "/" + r.Name, Namespaced: r.Namespaced}
			if r.Namespaced {
				if namespace == "" {
					return Target{}, fmt.Errorf("%s %s is namespaced, and no namespace is given", apiVersion, kind)
				}
				t.Collection = prefix + "/namespaces/" + url.PathEscape(namespace) + "/" + r.Name
			}
			return t, nil
		}
		if time.Now().After(deadline) {
			return Target{}, fmt.Errorf("the server serves no kind %s in %s", kind, apiVersion)
		}
		d.mu.Lock()
		delete(d.docs, apiVersion)
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return Target{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
