package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// rawClient sends SigV4-signed requests with nothing but net/http and the
// SDK's signer, so a measurement shows the server's cost rather than the
// SDK's middleware.
type rawClient struct {
	endpoint string
	hc       *http.Client
	signer   *v4.Signer
	creds    aws.Credentials
}

func newRawClient(endpoint string, clients int) *rawClient {
	return &rawClient{
		endpoint: endpoint,
		hc:       &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(4, clients)}},
		signer:   v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }),
		creds:    aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"},
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (c *rawClient) do(method, path, service string, body []byte, hdr map[string]string) ([]byte, error) {
	req, err := http.NewRequest(method, c.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	h := sum(body)
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", h)
	}
	if err := c.signer.SignHTTP(context.Background(), c.creds, req, h, service, "us-east-1", time.Now()); err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b, err
}

var nextToken = regexp.MustCompile(`<NextContinuationToken>([^<]+)</NextContinuationToken>`)

// rawThroughput measures op with the raw client.
func rawThroughput(endpoint, op string, n, clients int) error {
	c := newRawClient(endpoint, clients)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	bucket := "/raw-" + strings.ToLower(op)
	body := bytes.Repeat([]byte("x"), 1024)
	setupBucket := func() error {
		_, err := c.do("PUT", bucket, "s3", nil, nil)
		if err != nil && !strings.Contains(err.Error(), "BucketAlready") {
			return err
		}
		return nil
	}
	var call func(i int) error
	switch op {
	case "GetCallerIdentity":
		call = func(int) error {
			_, err := c.do("POST", "/", "sts", []byte("Action=GetCallerIdentity&Version=2011-06-15"), form)
			return err
		}
	case "AssumeRole":
		trust := url.QueryEscape(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`)
		c.do("POST", "/", "iam", []byte("Action=CreateRole&Version=2010-05-08&RoleName=raw-target&AssumeRolePolicyDocument="+trust), form)
		user, err := benchUser(context.Background(), cfgFor(endpoint, c.creds))
		if err != nil {
			return err
		}
		c.creds = user
		call = func(int) error {
			_, err := c.do("POST", "/", "sts", []byte("Action=AssumeRole&Version=2011-06-15&RoleSessionName=bench&RoleArn="+url.QueryEscape("arn:aws:iam::111111111111:role/raw-target")), form)
			return err
		}
	case "PutObject":
		if err := setupBucket(); err != nil {
			return err
		}
		call = func(i int) error {
			_, err := c.do("PUT", bucket+"/k"+strconv.Itoa(i), "s3", body, nil)
			return err
		}
	case "GetObject":
		if err := setupBucket(); err != nil {
			return err
		}
		if _, err := c.do("PUT", bucket+"/src", "s3", body, nil); err != nil {
			return err
		}
		call = func(int) error {
			_, err := c.do("GET", bucket+"/src", "s3", nil, nil)
			return err
		}
	case "CopyObject":
		if err := setupBucket(); err != nil {
			return err
		}
		if _, err := c.do("PUT", bucket+"/src", "s3", body, nil); err != nil {
			return err
		}
		call = func(i int) error {
			_, err := c.do("PUT", bucket+"/dst"+strconv.Itoa(i), "s3", nil, map[string]string{"X-Amz-Copy-Source": bucket[1:] + "/src"})
			return err
		}
	case "ListObjectsV2":
		if err := setupBucket(); err != nil {
			return err
		}
		for i := 0; i < 10000; i++ {
			if _, err := c.do("PUT", fmt.Sprintf("%s/list/%05d", bucket, i), "s3", nil, nil); err != nil {
				return err
			}
		}
		call = func(int) error {
			token, count := "", 0
			for {
				q := "?list-type=2&prefix=list%2F"
				if token != "" {
					q += "&continuation-token=" + url.QueryEscape(token)
				}
				b, err := c.do("GET", bucket+q, "s3", nil, nil)
				if err != nil {
					return err
				}
				count += bytes.Count(b, []byte("<Contents>"))
				m := nextToken.FindSubmatch(b)
				if m == nil {
					break
				}
				token = string(m[1])
			}
			if count != 10000 {
				return fmt.Errorf("listed %d keys, want 10000", count)
			}
			return nil
		}
	default:
		return fmt.Errorf("unknown op %s", op)
	}
	return measure(fmt.Sprintf("%s raw %s", endpoint, op), n, clients, call)
}
