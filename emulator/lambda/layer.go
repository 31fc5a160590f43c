package lambda

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/policy"
)

// LayerVersion is a stored layer version (AWS Lambda Developer Guide,
// "Managing Lambda dependencies with layers"). Versions of a layer are
// numbered from 1 and a number is never reused, even after a delete.
type LayerVersion struct {
	Account                 string
	Region                  string
	Name                    string
	Version                 int64
	Description             string
	LicenseInfo             string
	CompatibleRuntimes      []string
	CompatibleArchitectures []string
	Created                 time.Time
	CodeSha256              string
	CodeSize                int64
	// Dir holds the extracted content.
	Dir string
	// Policy is the version's resource-based policy
	// (AddLayerVersionPermission), PolicyRevision its RevisionId.
	Policy         string `json:",omitempty"`
	PolicyRevision string `json:",omitempty"`
	// PolicyRefs binds the roles and users Policy names to their ids.
	PolicyRefs map[string]string `json:",omitempty"`
	parsed     *policy.Policy
	// Local marks a version registered from a directory (xacct serve
	// --layer-dir): not stored in the data directory, usable by every
	// account, never deleted.
	Local bool `json:"-"`
}

// LayerARN is arn:aws:lambda:REGION:ACCOUNT:layer:NAME.
func (lv *LayerVersion) LayerARN() string { return layerARN(lv.Region, lv.Account, lv.Name) }

// ARN is the layer version's ARN: the layer ARN and ":VERSION".
func (lv *LayerVersion) ARN() string { return lv.LayerARN() + ":" + strconv.FormatInt(lv.Version, 10) }

func layerARN(region, acct, name string) string {
	return "arn:aws:lambda:" + region + ":" + acct + ":layer:" + name
}

func (lv *LayerVersion) output() *LayerVersionOut {
	return &LayerVersionOut{
		Content:  LayerVersionContentOutput{Location: "file://" + lv.Dir, CodeSha256: lv.CodeSha256, CodeSize: lv.CodeSize},
		LayerArn: lv.LayerARN(), LayerVersionArn: lv.ARN(), Description: lv.Description, CreatedDate: lambdaTime(lv.Created),
		Version: lv.Version, CompatibleRuntimes: lv.CompatibleRuntimes, LicenseInfo: lv.LicenseInfo, CompatibleArchitectures: lv.CompatibleArchitectures,
	}
}

func (lv *LayerVersion) listItem() LayerVersionsListItem {
	return LayerVersionsListItem{LayerVersionArn: lv.ARN(), Version: lv.Version, Description: lv.Description, CreatedDate: lambdaTime(lv.Created),
		CompatibleRuntimes: lv.CompatibleRuntimes, LicenseInfo: lv.LicenseInfo, CompatibleArchitectures: lv.CompatibleArchitectures}
}

// lambdaTime is Lambda's timestamp format, 2018-11-27T15:10:45.123+0000.
func lambdaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+0000") }

// The API model's patterns for layer names and layer version ARNs
// (AWS Lambda API Reference, PublishLayerVersion and CreateFunction).
var (
	layerNameRE       = regexp.MustCompile(`^(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+|[a-zA-Z0-9-_]+)$`)
	layerVersionARNRE = regexp.MustCompile(`^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$`)
)

const layerVersionARNPattern = `(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)`

// parseLayerVersionARN splits a layer version ARN.
func parseLayerVersionARN(arn string) (region, acct, name string, version int64, ok bool) {
	m := layerVersionARNRE.FindStringSubmatch(arn)
	if m == nil || len(arn) > 140 {
		return "", "", "", 0, false
	}
	v, err := strconv.ParseInt(m[4], 10, 64)
	if err != nil || v < 1 {
		return "", "", "", 0, false
	}
	return m[1], m[2], m[3], v, true
}

// resolveLayerName takes a LayerName (a name, or a layer ARN) and returns
// the account, region and name it means for a caller.
func resolveLayerName(ref, callerAcct, region string) (acct, reg, name string, err error) {
	if len(ref) > 140 || !layerNameRE.MatchString(ref) {
		return "", "", "", errValidation("1 validation error detected: Value '%s' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+", ref)
	}
	if !strings.HasPrefix(ref, "arn:") {
		return callerAcct, region, ref, nil
	}
	parts := strings.Split(ref, ":")
	return parts[4], parts[3], parts[6], nil
}

// layerState is layers.json: the published versions and the last number
// each layer used.
type layerState struct {
	Versions []*LayerVersion
	Last     map[string]int64 // by layer ARN
}

// loadLayers reads layers.json (absent: none).
func (st *functionStore) loadLayers() error {
	data, err := os.ReadFile(filepath.Join(st.dir, "layers.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var ls layerState
	if err := json.Unmarshal(data, &ls); err != nil {
		return fmt.Errorf("lambda layers: %w", err)
	}
	for _, lv := range ls.Versions {
		if lv.Policy != "" {
			lv.parsed, _ = policy.Parse(lv.Policy, policy.KindResource)
		}
		st.layers[lv.ARN()] = lv
	}
	for k, v := range ls.Last {
		st.lastLayer[k] = v
	}
	return nil
}

// saveLayers writes layers.json. Callers hold mu for writing.
func (st *functionStore) saveLayers() error {
	if st.temp {
		return nil
	}
	ls := layerState{Last: st.lastLayer}
	for _, lv := range st.layers {
		if !lv.Local {
			ls.Versions = append(ls.Versions, lv)
		}
	}
	sort.Slice(ls.Versions, func(i, j int) bool { return ls.Versions[i].ARN() < ls.Versions[j].ARN() })
	data, err := json.MarshalIndent(ls, "", " ")
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(st.dir, "layers.json"), data)
}

// publishLayer stores lv as the next version of its layer.
func (st *functionStore) publishLayer(lv *LayerVersion) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	key := lv.LayerARN()
	prev := st.lastLayer[key]
	lv.Version = prev + 1
	st.lastLayer[key] = lv.Version
	st.layers[lv.ARN()] = lv
	if err := st.saveLayers(); err != nil {
		delete(st.layers, lv.ARN()) // not acknowledged: no version
		st.lastLayer[key] = prev
		return err
	}
	return nil
}

// addLocalLayer registers a version from a directory under its own ARN.
func (st *functionStore) addLocalLayer(lv *LayerVersion) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.layers[lv.ARN()] = lv
	if st.lastLayer[lv.LayerARN()] < lv.Version {
		st.lastLayer[lv.LayerARN()] = lv.Version
	}
}

// layerVersion returns the version an ARN names, or nil.
func (st *functionStore) layerVersion(arn string) *LayerVersion {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.layers[arn]
}

// layerVersions returns the versions of the layers in an account and
// region, by name and then newest first.
func (st *functionStore) layerVersions(acct, region string) []*LayerVersion {
	st.mu.RLock()
	var out []*LayerVersion
	for _, lv := range st.layers {
		if lv.Account == acct && lv.Region == region {
			out = append(out, lv)
		}
	}
	st.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version > out[j].Version
	})
	return out
}

// replaceLayerVersion stores lv in place of old, or returns errChanged.
func (st *functionStore) replaceLayerVersion(old, lv *LayerVersion) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := lv.ARN()
	if st.layers[k] != old {
		return errChanged
	}
	st.layers[k] = lv
	if err := st.saveLayers(); err != nil {
		st.layers[k] = old
		return err
	}
	return nil
}

// deleteLayerVersion removes a version (nothing if there is none).
func (st *functionStore) deleteLayerVersion(arn string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	prev := st.layers[arn]
	if prev == nil {
		return nil
	}
	delete(st.layers, arn)
	if err := st.saveLayers(); err != nil {
		st.layers[arn] = prev
		return err
	}
	return nil
}
