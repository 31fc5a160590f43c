// Command benchtool measures AWS API throughput against an endpoint (the
// xacct emulator or a peer such as moto's server) from one aws-sdk-go-v2
// client, and the startup time of `xacct serve`. scripts/bench.sh runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4566", "endpoint to measure")
	op := flag.String("op", "GetCallerIdentity", "operation: GetCallerIdentity, AssumeRole, PutObject, GetObject, CopyObject, ListObjectsV2, KMSEncrypt, KMSDecrypt, stream or startup")
	n := flag.Int("n", 2000, "number of calls")
	binary := flag.String("binary", "", "xacct binary (for -op startup)")
	size := flag.Int64("size", 2<<30, "object size (for -op stream)")
	pid := flag.Int("pid", 0, "server process id (for -op stream)")
	clients := flag.Int("c", 1, "concurrent clients (PutObject, GetObject, CopyObject, ListObjectsV2, KMSEncrypt, KMSDecrypt)")
	raw := flag.Bool("raw", false, "send requests with net/http and the SigV4 signer instead of the SDK clients")
	flag.Parse()
	var err error
	switch {
	case *raw:
		err = rawThroughput(*endpoint, *op, *n, *clients)
	default:
		err = run(*endpoint, *op, *binary, *size, *pid, *n, *clients)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func run(endpoint, op, binary string, size int64, pid, n, clients int) error {
	var err error
	switch op {
	case "startup":
		err = startup(binary, n)
	case "stream":
		err = s3Stream(endpoint, size, pid)
	case "PutObject", "GetObject", "CopyObject", "ListObjectsV2":
		err = s3Throughput(endpoint, op, n, clients)
	case "KMSEncrypt", "KMSDecrypt":
		err = kmsThroughput(endpoint, op, n, clients)
	default:
		err = throughput(endpoint, op, n)
	}
	return err
}

// benchUser creates, as root, an IAM user that may assume roles and
// returns an access key of it.
func benchUser(ctx context.Context, root aws.Config) (aws.Credentials, error) {
	c := iam.NewFromConfig(root)
	name := aws.String(fmt.Sprintf("bench-%d", time.Now().UnixNano()))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: name}); err != nil {
		return aws.Credentials{}, err
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: name, PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`)}); err != nil {
		return aws.Credentials{}, err
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name})
	if err != nil {
		return aws.Credentials{}, err
	}
	return aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}, nil
}

func cfgFor(endpoint string, c aws.Credentials) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.StaticCredentialsProvider{Value: c},
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
	}
}

func throughput(endpoint, op string, n int) error {
	ctx := context.Background()
	root := cfgFor(endpoint, aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"})
	roleARN := "arn:aws:iam::111111111111:role/bench-target"
	if op == "AssumeRole" {
		_, err := iam.NewFromConfig(root).CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String("bench-target"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`),
		})
		if err != nil && !strings.Contains(err.Error(), "EntityAlreadyExists") {
			return err
		}
	}
	client := sts.NewFromConfig(root)
	if op == "AssumeRole" {
		// Root may not assume roles (AWS answers AccessDenied): an IAM
		// user of the account does.
		user, err := benchUser(ctx, root)
		if err != nil {
			return err
		}
		client = sts.NewFromConfig(cfgFor(endpoint, user))
	}
	call := func() error {
		if op == "AssumeRole" {
			_, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("bench")})
			return err
		}
		_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	for i := 0; i < 20; i++ { // warm up connections
		if err := call(); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := call(); err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
	}
	total := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("%s %s calls=%d ops/s=%.0f p50=%s p99=%s\n", endpoint, op, n, float64(n)/total.Seconds(), lat[n/2], lat[n*99/100])
	return nil
}

// startup starts `xacct serve` n times and reports how long it takes until
// it answers an HTTP request.
func startup(binary string, n int) error {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		addr := ln.Addr().String()
		ln.Close()
		cmd := exec.Command(binary, "serve", "--quiet", "--addr", addr)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		for {
			resp, err := http.Get("http://" + addr + "/")
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Since(start) > 10*time.Second {
				cmd.Process.Kill()
				return fmt.Errorf("no answer after 10s")
			}
			time.Sleep(200 * time.Microsecond)
		}
		ds = append(ds, time.Since(start))
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	fmt.Printf("xacct serve startup runs=%d min=%s median=%s max=%s\n", n, ds[0], ds[n/2], ds[n-1])
	return nil
}
