package s3control

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCSVManifest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   string
		fields []string
		want   []Task
		bad    bool
	}{
		{"bucket and key", "b,a.txt\nb,dir%2Fx+y.txt\n", nil, []Task{{Bucket: "b", Key: "a.txt"}, {Bucket: "b", Key: "dir/x y.txt"}}, false},
		{"versions", "b,k,v1\nb,k2,\n", []string{"Bucket", "Key", "VersionId"}, []Task{{Bucket: "b", Key: "k", VersionID: "v1"}, {Bucket: "b", Key: "k2"}}, false},
		{"version column left out", "b,k\n", []string{"Bucket", "Key", "VersionId"}, []Task{{Bucket: "b", Key: "k"}}, false},
		{"ignored column", "x,b,k\n", []string{"Ignore", "Bucket", "Key"}, []Task{{Bucket: "b", Key: "k"}}, false},
		{"blank lines", "\nb,k\n\n", nil, []Task{{Bucket: "b", Key: "k"}}, false},
		{"missing key", "b\n", nil, nil, true},
		{"bad escape", "b,%zz\n", nil, nil, true},
		{"no key field", "b\n", []string{"Bucket"}, nil, true},
		{"unknown field", "b,k\n", []string{"Bucket", "Name"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCSVManifest([]byte(tc.data), tc.fields)
			if tc.bad {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("tasks (-want +got):\n%s", d)
			}
		})
	}
}

func TestInventoryManifest(t *testing.T) {
	m := `{"sourceBucket":"src","destinationBucket":"arn:aws:s3:::inv","fileFormat":"CSV","fileSchema":"Bucket, Key, VersionId, Size","files":[{"key":"data/1.csv.gz"}]}`
	_, bucket, cols, err := ParseInventoryManifest([]byte(m))
	if err != nil || bucket != "inv" || cols != [3]int{0, 1, 2} {
		t.Fatalf("got %s %v %v", bucket, cols, err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("\"src\",\"a%20b\",\"v1\",\"3\"\n\"src\",\"c\",\"\",\"1\"\n"))
	zw.Close()
	tasks, err := ParseInventoryFile(b.Bytes(), cols)
	if err != nil {
		t.Fatal(err)
	}
	want := []Task{{Bucket: "src", Key: "a b", VersionID: "v1"}, {Bucket: "src", Key: "c"}}
	if d := cmp.Diff(want, tasks); d != "" {
		t.Fatalf("tasks (-want +got):\n%s", d)
	}
	for _, bad := range []string{`{`, `{"fileFormat":"ORC"}`, `{"fileFormat":"CSV","fileSchema":"Key"}`, `{"fileFormat":"CSV","fileSchema":"Bucket, Key"}`} {
		if _, _, _, err := ParseInventoryManifest([]byte(bad)); err == nil {
			t.Errorf("%s: got no error", bad)
		}
	}
}

// FuzzManifests: no input makes the parsers panic, and every task they
// return names a bucket and a key.
func FuzzManifests(f *testing.F) {
	f.Add([]byte("b,k\n"), []byte(`{"destinationBucket":"arn:aws:s3:::x","fileFormat":"CSV","fileSchema":"Bucket, Key","files":[{"key":"a"}]}`))
	f.Add([]byte("b,\"k,\"\"x\"\nb,k%2"), []byte(`{}`))
	f.Fuzz(func(t *testing.T, csvData, manifest []byte) {
		for _, fields := range [][]string{nil, {"Bucket", "Key", "VersionId"}, {"Ignore", "Key", "Bucket"}} {
			tasks, err := ParseCSVManifest(csvData, fields)
			if err == nil {
				for _, tk := range tasks {
					if tk.Bucket == "" || tk.Key == "" {
						t.Fatalf("task without bucket or key: %+v", tk)
					}
				}
			}
		}
		if _, _, cols, err := ParseInventoryManifest(manifest); err == nil {
			ParseInventoryFile(csvData, cols)
		}
	})
}
