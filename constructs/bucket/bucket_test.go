package bucket

import (
	"fmt"
	"strings"
	"testing"
)

// TestNewRefusesBadNames: a name S3 would refuse panics before anything is
// created, naming the prop and S3's rule (awsrules.S3BucketNameProblem).
func TestNewRefusesBadNames(t *testing.T) {
	for name, want := range map[string]string{
		"":                          "Name is required",
		"Stratum_State":             "3–63 characters",
		"stratum-prod-acme-x--x-s3": `"--x-s3"`,
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), want) {
					t.Errorf("New(Name %q): recovered %v, want a panic mentioning %q", name, r, want)
				}
			}()
			New(nil, "b", &Props{Name: name})
		})
	}
}
