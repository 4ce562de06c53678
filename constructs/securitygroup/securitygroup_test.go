package securitygroup

import (
	"testing"
)

func TestCheck(t *testing.T) {
	other := &SecurityGroup{}
	good := []struct {
		name string
		peer Peer
		port Port
	}{
		{"https from anywhere", Peer{CIDR: "0.0.0.0/0"}, TCP(443)},
		{"all from group", Peer{Group: other}, AllTraffic},
		{"tcp range", Peer{CIDR: "10.0.0.0/8"}, TCPRange(1, 65535)},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			if err := check(tc.peer, tc.port, "a rule (with reason)"); err != nil {
				t.Errorf("check(%+v, %+v) = %v, want nil", tc.peer, tc.port, err)
			}
		})
	}
	bad := []struct {
		name        string
		peer        Peer
		port        Port
		description string
	}{
		{"no description", Peer{CIDR: "10.0.0.0/8"}, TCP(443), ""},
		{"apostrophe in description", Peer{CIDR: "10.0.0.0/8"}, TCP(443), "the node's port"},
		{"ampersand in description", Peer{CIDR: "10.0.0.0/8"}, TCP(443), "HTTP & HTTPS"},
		{"no peer", Peer{}, TCP(443), "x"},
		{"two peers", Peer{CIDR: "10.0.0.0/8", Group: other}, TCP(443), "x"},
		{"host bits set", Peer{CIDR: "10.0.0.1/8"}, TCP(443), "x"},
		{"ipv6", Peer{CIDR: "::/0"}, TCP(443), "x"},
		{"reversed range", Peer{Group: other}, TCPRange(443, 80), "x"},
		{"port too high", Peer{Group: other}, TCP(65536), "x"},
		{"ports with all traffic", Peer{Group: other}, Port{Protocol: "-1", From: 1, To: 2}, "x"},
		{"unknown protocol", Peer{Group: other}, Port{Protocol: "sctp"}, "x"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if err := check(tc.peer, tc.port, tc.description); err == nil {
				t.Errorf("check(%+v, %+v, %q) = nil, want an error", tc.peer, tc.port, tc.description)
			}
		})
	}
	for _, s := range []string{"Internet-facing load balancers of stratum-dev: HTTP and HTTPS in, nodes out"} {
		if !groupText.MatchString(s) {
			t.Errorf("group text %q refused", s)
		}
	}
	if groupText.MatchString("it's") {
		t.Error("group text accepts an apostrophe")
	}
}
