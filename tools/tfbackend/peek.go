package tfbackend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Peek reads b's state without running Terraform: the local backend's
// file, or the S3 object with the backend's own region, endpoints and
// credentials. A read needs no lock, and it costs a file or an HTTP
// request instead of a `terraform init` and a `state pull`, which matters
// when a plan reads a hundred states. ok is false for what it cannot read
// that way — another backend type, -backend-config arguments (only
// Terraform interprets them), a relative local path, customer-provided
// encryption keys — and the caller pulls through the CLI instead. What it
// returns is the stored bytes, which may differ from a pull's in layout
// (not in content); writers pull through the CLI.
func (tf *Terraform) Peek(ctx context.Context, b Backend) (snap *Snapshot, ok bool, err error) {
	if len(b.BackendConfig) > 0 {
		return nil, false, nil
	}
	switch b.Type {
	case "local":
		p, _ := b.Config["path"].(string)
		if p == "" || !filepath.IsAbs(p) {
			return nil, false, nil
		}
		raw, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			return &Snapshot{}, true, nil
		}
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", b.Name, err)
		}
		return &Snapshot{Data: raw, Exists: !absent(raw)}, true, nil
	case "s3":
		if _, ok := b.Config["sse_customer_key"]; ok {
			return nil, false, nil
		}
		s := &Session{Backend: b, Effective: b.Config}
		st := s.s3Settings()
		if st.bucket == "" || st.key == "" {
			return nil, false, nil
		}
		s3c, _, err := st.clients(ctx)
		if err != nil {
			return nil, true, fmt.Errorf("%s: %w", b.Name, err)
		}
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.key)})
		var nsk *s3types.NoSuchKey
		if errors.As(err, &nsk) {
			return &Snapshot{}, true, nil
		}
		if err != nil {
			return nil, true, fmt.Errorf("%s: reading s3://%s/%s: %w", b.Name, st.bucket, st.key, err)
		}
		defer out.Body.Close()
		raw, err := io.ReadAll(out.Body)
		if err != nil {
			return nil, true, fmt.Errorf("%s: reading s3://%s/%s: %w", b.Name, st.bucket, st.key, err)
		}
		v := aws.ToString(out.VersionId)
		if v == "null" {
			v = ""
		}
		return &Snapshot{Data: raw, Exists: !absent(raw), VersionID: v}, true, nil
	}
	return nil, false, nil
}
