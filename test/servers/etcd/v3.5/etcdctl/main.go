// etcdctl of the pinned 3.5 release, built from its Go module for the test rig.
// Only the v3 API is built: 3.5's own main also dispatches ETCDCTL_API=2 to ctlv2.
package main

import (
	"fmt"
	"os"

	"go.etcd.io/etcd/etcdctl/v3/ctlv3"
)

func main() {
	api := os.Getenv("ETCDCTL_API")
	// ctlv3 reads ETCDCTL_* as flags, so the API selector must not reach it.
	os.Unsetenv("ETCDCTL_API")
	if api != "" && api != "3" {
		fmt.Fprintf(os.Stderr, "unsupported API version: %s (this build has the v3 API only)\n", api)
		os.Exit(1)
	}
	ctlv3.MustStart()
}
