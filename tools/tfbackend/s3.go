package tfbackend

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// s3Settings are the parts of the S3 backend's configuration (as
// Terraform 1.11 names them, with the older names as fallbacks) that
// reaching the same bucket and lock table needs.
type s3Settings struct {
	bucket, key, region     string
	s3Endpoint, ddbEndpoint string
	pathStyle, skipChecksum bool
	table                   string
	lockfile                bool
	accessKey, secretKey    string
	token, profile          string
	roleARN, sessionName    string
	externalID              string
	sharedCredentialsFiles  []string
	sharedConfigFiles       []string
}

func (s *Session) s3Settings() s3Settings {
	c := s.Effective
	str := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := c[k].(string); ok && v != "" {
				return v
			}
		}
		return ""
	}
	boolean := func(keys ...string) bool {
		for _, k := range keys {
			if v, ok := c[k].(bool); ok && v {
				return true
			}
		}
		return false
	}
	strs := func(k string) []string {
		var out []string
		if l, ok := c[k].([]any); ok {
			for _, v := range l {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	st := s3Settings{
		bucket: str("bucket"), key: str("key"), region: str("region"),
		s3Endpoint: str("endpoint"), ddbEndpoint: str("dynamodb_endpoint"),
		pathStyle: boolean("use_path_style", "force_path_style"), skipChecksum: boolean("skip_s3_checksum"),
		table: str("dynamodb_table"), lockfile: boolean("use_lockfile"),
		accessKey: str("access_key"), secretKey: str("secret_key"), token: str("token"), profile: str("profile"),
		sharedCredentialsFiles: strs("shared_credentials_files"), sharedConfigFiles: strs("shared_config_files"),
	}
	if e, ok := c["endpoints"].(map[string]any); ok {
		if v, ok := e["s3"].(string); ok && v != "" {
			st.s3Endpoint = v
		}
		if v, ok := e["dynamodb"].(string); ok && v != "" {
			st.ddbEndpoint = v
		}
	}
	if ar, ok := c["assume_role"].(map[string]any); ok {
		st.roleARN, _ = ar["role_arn"].(string)
		st.sessionName, _ = ar["session_name"].(string)
		st.externalID, _ = ar["external_id"].(string)
	}
	return st
}

func (st s3Settings) awsConfig(ctx context.Context) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(st.region)}
	if st.profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(st.profile))
	}
	if len(st.sharedCredentialsFiles) > 0 {
		opts = append(opts, awsconfig.WithSharedCredentialsFiles(st.sharedCredentialsFiles))
	}
	if len(st.sharedConfigFiles) > 0 {
		opts = append(opts, awsconfig.WithSharedConfigFiles(st.sharedConfigFiles))
	}
	if st.accessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(st.accessKey, st.secretKey, st.token)))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, err
	}
	if st.roleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), st.roleARN, func(o *stscreds.AssumeRoleOptions) {
			if st.sessionName != "" {
				o.RoleSessionName = st.sessionName
			}
			if st.externalID != "" {
				o.ExternalID = aws.String(st.externalID)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}

func (st s3Settings) clients(ctx context.Context) (*s3.Client, *dynamodb.Client, error) {
	cfg, err := st.awsConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if st.s3Endpoint != "" {
			o.BaseEndpoint = aws.String(st.s3Endpoint)
		}
		o.UsePathStyle = st.pathStyle
		if st.skipChecksum {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	ddb := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if st.ddbEndpoint != "" {
			o.BaseEndpoint = aws.String(st.ddbEndpoint)
		}
	})
	return s3c, ddb, nil
}

func (s *Session) s3VersionID(ctx context.Context) (string, error) {
	st := s.s3Settings()
	s3c, _, err := st.clients(ctx)
	if err != nil {
		return "", err
	}
	head, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.key)})
	if err != nil {
		return "", fmt.Errorf("s3://%s/%s: %w", st.bucket, st.key, err)
	}
	v := aws.ToString(head.VersionId)
	if v == "null" {
		// An unversioned bucket.
		v = ""
	}
	return v, nil
}

// lockInfo is Terraform's statemgr.LockInfo as its S3 backend stores it.
type lockInfo struct {
	ID        string
	Operation string
	Info      string
	Who       string
	Version   string
	Created   time.Time
	Path      string
}

// lockS3 takes the locks Terraform's S3 backend takes (the DynamoDB
// item and the S3 lock file, whichever the backend uses), so that no
// Terraform run writes the state until unlock.
func (s *Session) lockS3(ctx context.Context, operation string) (func() error, error) {
	st := s.s3Settings()
	s3c, ddb, err := st.clients(ctx)
	if err != nil {
		return nil, err
	}
	lockPath := st.bucket + "/" + st.key
	who, _ := os.Hostname()
	info := lockInfo{ID: newID(), Operation: operation, Who: "stratum migrate@" + who, Version: "stratum", Created: time.Now().UTC(), Path: lockPath}
	raw, _ := json.Marshal(info)
	var unlocks []func() error
	unlock := func() error {
		var first error
		for i := len(unlocks) - 1; i >= 0; i-- {
			if err := unlocks[i](); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	if st.lockfile {
		lockKey := st.key + ".tflock"
		in := &s3.PutObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(lockKey), Body: bytes.NewReader(raw), IfNoneMatch: aws.String("*"), ContentType: aws.String("application/json")}
		if _, err := s3c.PutObject(ctx, in); err != nil {
			return nil, s.heldLock(ctx, s3c, nil, st, err)
		}
		unlocks = append(unlocks, func() error {
			_, err := s3c.DeleteObject(context.WithoutCancel(ctx), &s3.DeleteObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(lockKey)})
			return err
		})
	}
	if st.table != "" {
		_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(st.table),
			Item: map[string]ddbtypes.AttributeValue{
				"LockID": &ddbtypes.AttributeValueMemberS{Value: lockPath},
				"Info":   &ddbtypes.AttributeValueMemberS{Value: string(raw)},
			},
			ConditionExpression: aws.String("attribute_not_exists(LockID)"),
		})
		if err != nil {
			unlock()
			return nil, s.heldLock(ctx, s3c, ddb, st, err)
		}
		unlocks = append(unlocks, func() error {
			_, err := ddb.DeleteItem(context.WithoutCancel(ctx), &dynamodb.DeleteItemInput{
				TableName: aws.String(st.table),
				Key:       map[string]ddbtypes.AttributeValue{"LockID": &ddbtypes.AttributeValueMemberS{Value: lockPath}},
			})
			return err
		})
	}
	return unlock, nil
}

// removeS3 deletes the state object and, with a DynamoDB table, the
// state's digest beside the lock.
func (s *Session) removeS3(ctx context.Context) error {
	st := s.s3Settings()
	s3c, ddb, err := st.clients(ctx)
	if err != nil {
		return err
	}
	lockPath := st.bucket + "/" + st.key
	if _, err := s3c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.key)}); err != nil {
		return fmt.Errorf("%s: deleting s3://%s/%s: %w", s.Backend.Name, st.bucket, st.key, err)
	}
	if st.table != "" {
		// Terraform keeps the state's MD5 digest beside the lock; a digest
		// without an object makes the next read wait and then fail.
		_, err := ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(st.table),
			Key:       map[string]ddbtypes.AttributeValue{"LockID": &ddbtypes.AttributeValueMemberS{Value: lockPath + "-md5"}},
		})
		if err != nil {
			return fmt.Errorf("%s: deleting the state digest %s-md5 from DynamoDB table %s: %w", s.Backend.Name, lockPath, st.table, err)
		}
	}
	return nil
}

// heldLock turns a failed lock attempt into a LockError naming the holder.
func (s *Session) heldLock(ctx context.Context, s3c *s3.Client, ddb *dynamodb.Client, st s3Settings, cause error) error {
	le := &LockError{State: s.Backend.Name, Output: cause.Error()}
	var raw []byte
	if ddb != nil {
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), ConsistentRead: aws.Bool(true),
			Key: map[string]ddbtypes.AttributeValue{"LockID": &ddbtypes.AttributeValueMemberS{Value: st.bucket + "/" + st.key}}})
		if err == nil {
			if v, ok := out.Item["Info"].(*ddbtypes.AttributeValueMemberS); ok {
				raw = []byte(v.Value)
			}
		}
	} else {
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(st.key + ".tflock")})
		if err == nil {
			raw, _ = io.ReadAll(out.Body)
			out.Body.Close()
		}
	}
	var li lockInfo
	if len(raw) == 0 || json.Unmarshal(raw, &li) != nil {
		return fmt.Errorf("%s: could not take the state lock: %w", s.Backend.Name, cause)
	}
	le.ID, le.Who, le.Operation, le.Path, le.Version, le.Info = li.ID, li.Who, li.Operation, li.Path, li.Version, li.Info
	le.Created = li.Created.String()
	return le
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		sum := md5.Sum([]byte(time.Now().String()))
		copy(b[:], sum[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewLineage returns a new state lineage (a random UUID, as Terraform's).
func NewLineage() string { return newID() }
