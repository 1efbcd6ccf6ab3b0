// etcdctl of the pinned release, built from its Go module for the test rig.
package main

import "go.etcd.io/etcd/etcdctl/v3/ctlv3"

func main() {
	ctlv3.MustStart()
}
