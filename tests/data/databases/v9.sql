BEGIN TRANSACTION;
CREATE TABLE beneficiaries (
            reference TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            structure TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            registered_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
CREATE TABLE device_progress (
            device_id TEXT PRIMARY KEY,
            inventoried INTEGER NOT NULL DEFAULT 0,
            health INTEGER NOT NULL DEFAULT 0,
            failing INTEGER NOT NULL DEFAULT 0,
            erasure_failed INTEGER NOT NULL DEFAULT 0,
            installed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            imaged INTEGER NOT NULL DEFAULT 0,
            graded INTEGER NOT NULL DEFAULT 0,
            labelled INTEGER NOT NULL DEFAULT 0,
            outcome INTEGER NOT NULL DEFAULT 0,
            frp INTEGER NOT NULL DEFAULT 0,
            mdm INTEGER NOT NULL DEFAULT 0
        );
INSERT INTO "device_progress" VALUES('01927c3a-0003-7000-8000-000000000003',0,0,0,0,0,0,0,1,0,1,0,0);
CREATE TABLE device_references (
            reference TEXT NOT NULL,
            device_id TEXT NOT NULL,
            PRIMARY KEY (reference, device_id)
        );
INSERT INTO "device_references" VALUES('CONV2025031','01927c3a-0003-7000-8000-000000000003');
INSERT INTO "device_references" VALUES('CONV2025031','01927c3a-0004-7000-8000-000000000004');
CREATE TABLE device_search (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL UNIQUE,
            model TEXT NOT NULL DEFAULT '',
            donor TEXT NOT NULL DEFAULT '',
            beneficiary TEXT NOT NULL DEFAULT ''
        );
INSERT INTO "device_search" VALUES(56644764593913859,'01927c3a-0003-7000-8000-000000000003','Fairphone FP4','Mairie de Villeurbanne CONV-2025-031','');
INSERT INTO "device_search" VALUES(56644764593946628,'01927c3a-0004-7000-8000-000000000004','Lenovo ThinkPad T480','Mairie de Villeurbanne CONV-2025-031','');
INSERT INTO "device_search" VALUES(56644764593979397,'01927c3a-0005-7000-8000-000000000005','Google Pixel 6','','');
PRAGMA writable_schema=ON;
INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES('table','device_search_fts','device_search_fts',0,'CREATE VIRTUAL TABLE device_search_fts USING fts5(
            model, donor, beneficiary,
            content = ''device_search'', content_rowid = ''id'',
            tokenize = ''unicode61 remove_diacritics 2'', prefix = ''2 3''
        )');
CREATE TABLE 'device_search_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO "device_search_fts_config" VALUES('version',4);
CREATE TABLE 'device_search_fts_data'(id INTEGER PRIMARY KEY, block BLOB);
INSERT INTO "device_search_fts_data" VALUES(1,X'03080C00');
INSERT INTO "device_search_fts_data" VALUES(10,X'000000000104040004010101020101030101040101');
INSERT INTO "device_search_fts_data" VALUES(137438953473,X'000001890430303331E4CFC3D08086800306010107010432303235E4CFC3D080868003060101060104636F6E76E4CFC3D0808680030601010501026465E4CFC3D0808680030601010301096661697270686F6E65E4CFC3D080868003020202027034E4CFC3D080868003020301066D6169726965E4CFC3D08086800306010102010C76696C6C65757262616E6E65E4CFC3D080868003060101040003313033E4CFC3D0808680030601010701023230E4CFC3D080868003060101060102636FE4CFC3D0808680030601010501026465E4CFC3D0808680030601010301026661E4CFC3D0808680030202020170E4CFC3D080868003020301026D61E4CFC3D0808680030601010201027669E4CFC3D08086800306010104000432303331E4CFC3D080868003060101070103323032E4CFC3D080868003060101060103636F6EE4CFC3D080868003060101050103666169E4CFC3D080868003020202027034E4CFC3D080868003020301036D6169E4CFC3D08086800306010102010376696CE4CFC3D080868003060101040411121210150E141A111010100E0D10101211110F0E11');
INSERT INTO "device_search_fts_data" VALUES(274877906945,X'0000009007306C656E6F766FE4CFC3D0808880040202010474343830E4CFC3D0808880040204020768696E6B706164E4CFC3D08088800402030003316C65E4CFC3D080888004020201027434E4CFC3D0808880040204020168E4CFC3D08088800402030004326C656EE4CFC3D08088800402020103743438E4CFC3D080888004020402026869E4CFC3D0808880040203041210130F0E0D100F');
INSERT INTO "device_search_fts_data" VALUES(412316860417,X'000001B80430303331E4CFC3D08088800406010107010432303235E4CFC3D080888004060101060104636F6E76E4CFC3D0808880040601010501026465E4CFC3D0808880040601010301066C656E6F766FE4CFC3D080888004030201066D6169726965E4CFC3D08088800406010102010474343830E4CFC3D0808880040304020768696E6B706164E4CFC3D0808880040303010C76696C6C65757262616E6E65E4CFC3D080888004060101040003313033E4CFC3D0808880040601010701023230E4CFC3D080888004060101060102636FE4CFC3D0808880040601010501026465E4CFC3D0808880040601010301026C65E4CFC3D080888004030201026D61E4CFC3D0808880040601010201027434E4CFC3D0808880040304020168E4CFC3D080888004030301027669E4CFC3D08088800406010104000432303331E4CFC3D080888004060101070103323032E4CFC3D080888004060101060103636F6EE4CFC3D0808880040601010501036C656EE4CFC3D080888004030201036D6169E4CFC3D080888004060101020103743438E4CFC3D080888004030402026869E4CFC3D0808880040303010376696CE4CFC3D080888004060101040411121210121410131A111010100E100E0D101211110F110F0E');
INSERT INTO "device_search_fts_data" VALUES(549755813889,X'00000070023036E4CFC3D0808A800502040106676F6F676C65E4CFC3D0808A800502020105706978656CE4CFC3D0808A80050203000331676FE4CFC3D0808A8005020201027069E4CFC3D0808A80050203000432676F6FE4CFC3D0808A800502020103706978E4CFC3D0808A80050203040D12110F0E10');
CREATE TABLE 'device_search_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);
INSERT INTO "device_search_fts_docsize" VALUES(56644764593913859,X'020600');
INSERT INTO "device_search_fts_docsize" VALUES(56644764593946628,X'030600');
INSERT INTO "device_search_fts_docsize" VALUES(56644764593979397,X'030000');
CREATE TABLE 'device_search_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
INSERT INTO "device_search_fts_idx" VALUES(1,X'',2);
INSERT INTO "device_search_fts_idx" VALUES(2,X'',2);
INSERT INTO "device_search_fts_idx" VALUES(3,X'',2);
INSERT INTO "device_search_fts_idx" VALUES(4,X'',2);
CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            asset_code TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            brand TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            serial TEXT NOT NULL DEFAULT '',
            imei TEXT NOT NULL DEFAULT '',
            lot_id TEXT REFERENCES lots (id),
            stage TEXT NOT NULL,
            presort TEXT,
            details TEXT NOT NULL DEFAULT '{}',
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
INSERT INTO "devices" VALUES('01927c3a-0003-7000-8000-000000000003','K7QX-2223-X','phone','Fairphone','FP4','FP4A00012345','352099001761481','01927c3a-0002-7000-8000-000000000002','done',NULL,'{"android_version":"13","storage_gb":128}',0,'2025-09-15T09:00:03.000Z','2025-09-15T09:00:24.000Z');
INSERT INTO "devices" VALUES('01927c3a-0004-7000-8000-000000000004','K7QX-2224-5','laptop','Lenovo','ThinkPad T480','PF1ABCDE','','01927c3a-0002-7000-8000-000000000002','intake','spare_parts','{}',0,'2025-09-15T09:00:05.000Z','2025-09-15T09:00:07.000Z');
INSERT INTO "devices" VALUES('01927c3a-0005-7000-8000-000000000005','TEST-2223-B','phone','Google','Pixel 6','SIMORIO0004','',NULL,'intake',NULL,'{}',1,'2025-09-15T09:00:25.000Z','2025-09-15T09:00:25.000Z');
CREATE TABLE donors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
INSERT INTO "donors" VALUES('01927c3a-0001-7000-8000-000000000001','Mairie de Villeurbanne','public_body','dsi@mairie.example',0,'2025-09-15T09:00:01.000Z');
CREATE TABLE erasure_checks (
            erasure_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            ended_erased INTEGER,
            verified_ok INTEGER,
            PRIMARY KEY (device_id, erasure_id)
        );
CREATE TABLE erasures (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            job_id TEXT NOT NULL,
            method TEXT NOT NULL,
            technique TEXT NOT NULL,
            standard TEXT NOT NULL,
            target_serial TEXT NOT NULL DEFAULT '',
            size_bytes INTEGER NOT NULL DEFAULT 0,
            result TEXT NOT NULL DEFAULT 'in_progress',
            reasons TEXT NOT NULL DEFAULT '[]',
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
CREATE TABLE events (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            station_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            operator TEXT NOT NULL,
            ts TEXT NOT NULL,
            type TEXT NOT NULL,
            device_id TEXT,
            payload TEXT NOT NULL,
            training INTEGER NOT NULL DEFAULT 0,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (station_id, seq)
        );
INSERT INTO "events" VALUES(1,'01927c3b-0001-7000-9000-000000000001','01927c3a-0000-7000-8000-00000000a001',1,'camille','2025-09-15T09:00:01.000Z','donor.registered',NULL,'{"contact":"dsi@mairie.example","donor_id":"01927c3a-0001-7000-8000-000000000001","kind":"public_body","name":"Mairie de Villeurbanne"}',0,'0000000000000000000000000000000000000000000000000000000000000000','5acc6335a296dc8abd09fbf6993723a45e64ca85cae55f2c8381eaae2620aa9b');
INSERT INTO "events" VALUES(2,'01927c3b-0002-7000-9000-000000000002','01927c3a-0000-7000-8000-00000000a001',2,'yanis','2025-09-15T09:00:02.000Z','lot.registered',NULL,'{"agreement_ref":"CONV-2025-031","donor_id":"01927c3a-0001-7000-8000-000000000001","expected_count":2,"lot_id":"01927c3a-0002-7000-8000-000000000002","received_on":"2025-09-15"}',0,'5acc6335a296dc8abd09fbf6993723a45e64ca85cae55f2c8381eaae2620aa9b','cbee1dc33fa2fec84a2d44066c4d194b35afa09c22dfddcf5751fe8412a8bae0');
INSERT INTO "events" VALUES(3,'01927c3b-0003-7000-9000-000000000003','01927c3a-0000-7000-8000-00000000a001',3,'camille','2025-09-15T09:00:03.000Z','device.registered','01927c3a-0003-7000-8000-000000000003','{"asset_code":"K7QX-2223-X","brand":"Fairphone","device_id":"01927c3a-0003-7000-8000-000000000003","imei":"352099001761481","kind":"phone","lot_id":"01927c3a-0002-7000-8000-000000000002","model":"FP4","serial":"FP4A00012345"}',0,'cbee1dc33fa2fec84a2d44066c4d194b35afa09c22dfddcf5751fe8412a8bae0','696307eca79d830ccc5bc0d854d745fced327416939faa10410cf42749f2f8d3');
INSERT INTO "events" VALUES(4,'01927c3b-0004-7000-9000-000000000004','01927c3a-0000-7000-8000-00000000a001',4,'yanis','2025-09-15T09:00:04.000Z','device.identified','01927c3a-0003-7000-8000-000000000003','{"device_id":"01927c3a-0003-7000-8000-000000000003","fields":{"android_version":"13","storage_gb":128}}',0,'696307eca79d830ccc5bc0d854d745fced327416939faa10410cf42749f2f8d3','adb74e90f554940f8a98dc0626adf37e102ad5d6406a2e12c57300dee78a5d50');
INSERT INTO "events" VALUES(5,'01927c3b-0005-7000-9000-000000000005','01927c3a-0000-7000-8000-00000000a001',5,'camille','2025-09-15T09:00:05.000Z','device.registered','01927c3a-0004-7000-8000-000000000004','{"asset_code":"K7QX-2224-5","brand":"Lenovo","device_id":"01927c3a-0004-7000-8000-000000000004","imei":"","kind":"laptop","lot_id":null,"model":"ThinkPad T480","serial":"PF1ABCDE"}',0,'adb74e90f554940f8a98dc0626adf37e102ad5d6406a2e12c57300dee78a5d50','7e79cc84034632fb7a9cf09174d47f24d9672aad7898062345a4fcaa420a1f79');
INSERT INTO "events" VALUES(6,'01927c3b-0006-7000-9000-000000000006','01927c3a-0000-7000-8000-00000000a001',6,'yanis','2025-09-15T09:00:06.000Z','device.presorted','01927c3a-0004-7000-8000-000000000004','{"device_id":"01927c3a-0004-7000-8000-000000000004","presort":"spare_parts"}',0,'7e79cc84034632fb7a9cf09174d47f24d9672aad7898062345a4fcaa420a1f79','def5262cdab73627dd06d1253cc88fe48b05318436c03f733b71980f59b8299c');
INSERT INTO "events" VALUES(7,'01927c3b-0007-7000-9000-000000000007','01927c3a-0000-7000-8000-00000000a001',7,'camille','2025-09-15T09:00:07.000Z','device.attached_to_lot','01927c3a-0004-7000-8000-000000000004','{"device_id":"01927c3a-0004-7000-8000-000000000004","lot_id":"01927c3a-0002-7000-8000-000000000002"}',0,'def5262cdab73627dd06d1253cc88fe48b05318436c03f733b71980f59b8299c','69992525897e446aa2ad9d2b6cbba228f64bae5ad52d064692d779deb403bc96');
INSERT INTO "events" VALUES(8,'01927c3b-0008-7000-9000-000000000008','01927c3a-0000-7000-8000-00000000a001',8,'yanis','2025-09-15T09:00:08.000Z','job.created','01927c3a-0003-7000-8000-000000000003','{"device_id":"01927c3a-0003-7000-8000-000000000003","job_id":"01927c3a-0006-7000-8000-000000000006","pipeline":"phone.quick_check","stage_on_success":"diagnosed","steps":["identity","accounts","battery","storage","screen","buttons"]}',0,'69992525897e446aa2ad9d2b6cbba228f64bae5ad52d064692d779deb403bc96','e2da0e6b1dcc9eb4009e839c837596bac4a5cba351414e4c4e070a5ef14f668c');
INSERT INTO "events" VALUES(9,'01927c3b-0009-7000-9000-000000000009','01927c3a-0000-7000-8000-00000000a001',9,'camille','2025-09-15T09:00:09.000Z','job.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006"}',0,'e2da0e6b1dcc9eb4009e839c837596bac4a5cba351414e4c4e070a5ef14f668c','22bfb559129045ca0472ea4e835c5d892e2e54c17870cbf058de01bdb794b708');
INSERT INTO "events" VALUES(10,'01927c3b-000a-7000-9000-00000000000a','01927c3a-0000-7000-8000-00000000a001',10,'yanis','2025-09-15T09:00:10.000Z','step.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","kind":"automated","step_id":"identity"}',0,'22bfb559129045ca0472ea4e835c5d892e2e54c17870cbf058de01bdb794b708','e5088bb92fd0dfa09f239f48d43eb4b25b2a3a779a333acdb8673e056e331cc6');
INSERT INTO "events" VALUES(11,'01927c3b-000b-7000-9000-00000000000b','01927c3a-0000-7000-8000-00000000a001',11,'camille','2025-09-15T09:00:11.000Z','step.finished','01927c3a-0003-7000-8000-000000000003','{"blocking":false,"evidence":{"step":"identity"},"job_id":"01927c3a-0006-7000-8000-000000000006","status":"passed","step_id":"identity","summary":{"en":"Good.","fr":"Bon."}}',0,'e5088bb92fd0dfa09f239f48d43eb4b25b2a3a779a333acdb8673e056e331cc6','a55d352682449a6f300198ecb725926d45f6cf8c56ad39625b870623266c2330');
INSERT INTO "events" VALUES(12,'01927c3b-000c-7000-9000-00000000000c','01927c3a-0000-7000-8000-00000000a001',12,'yanis','2025-09-15T09:00:12.000Z','step.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","kind":"automated","step_id":"accounts"}',0,'a55d352682449a6f300198ecb725926d45f6cf8c56ad39625b870623266c2330','e7b46985c0d3cbde5a8b883800518c5fc42606feae05b0a7906a83d9c131ffdd');
INSERT INTO "events" VALUES(13,'01927c3b-000d-7000-9000-00000000000d','01927c3a-0000-7000-8000-00000000a001',13,'camille','2025-09-15T09:00:13.000Z','step.finished','01927c3a-0003-7000-8000-000000000003','{"blocking":false,"evidence":{"step":"accounts"},"job_id":"01927c3a-0006-7000-8000-000000000006","status":"passed","step_id":"accounts","summary":{"en":"Good.","fr":"Bon."}}',0,'e7b46985c0d3cbde5a8b883800518c5fc42606feae05b0a7906a83d9c131ffdd','d10f16d6510b038c746f951b55a90591654548431ee08fa0c8a4552e19f1391e');
INSERT INTO "events" VALUES(14,'01927c3b-000e-7000-9000-00000000000e','01927c3a-0000-7000-8000-00000000a001',14,'yanis','2025-09-15T09:00:14.000Z','step.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","kind":"automated","step_id":"battery"}',0,'d10f16d6510b038c746f951b55a90591654548431ee08fa0c8a4552e19f1391e','35dd59fa42425ae2c43a270f524cf9b13be01393041ecc9bce4f3184947c1211');
INSERT INTO "events" VALUES(15,'01927c3b-000f-7000-9000-00000000000f','01927c3a-0000-7000-8000-00000000a001',15,'camille','2025-09-15T09:00:15.000Z','step.finished','01927c3a-0003-7000-8000-000000000003','{"blocking":false,"evidence":{"step":"battery"},"job_id":"01927c3a-0006-7000-8000-000000000006","status":"passed","step_id":"battery","summary":{"en":"Good.","fr":"Bon."}}',0,'35dd59fa42425ae2c43a270f524cf9b13be01393041ecc9bce4f3184947c1211','3a84075eba13842dc772c007dc39f7c4e1b99046a343847c6a691d4fe233b11c');
INSERT INTO "events" VALUES(16,'01927c3b-0010-7000-9000-000000000010','01927c3a-0000-7000-8000-00000000a001',16,'yanis','2025-09-15T09:00:16.000Z','step.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","kind":"automated","step_id":"storage"}',0,'3a84075eba13842dc772c007dc39f7c4e1b99046a343847c6a691d4fe233b11c','3a71d3b29eada7fd6d040870878772c797ac8d8ba1fc0dfb146635090eab9b35');
INSERT INTO "events" VALUES(17,'01927c3b-0011-7000-9000-000000000011','01927c3a-0000-7000-8000-00000000a001',17,'camille','2025-09-15T09:00:17.000Z','step.finished','01927c3a-0003-7000-8000-000000000003','{"blocking":false,"evidence":{"step":"storage"},"job_id":"01927c3a-0006-7000-8000-000000000006","status":"passed","step_id":"storage","summary":{"en":"Good.","fr":"Bon."}}',0,'3a71d3b29eada7fd6d040870878772c797ac8d8ba1fc0dfb146635090eab9b35','c26a23872f544ebc4f486379553584039dc0f539f451cc16de77fe69667f3735');
INSERT INTO "events" VALUES(18,'01927c3b-0012-7000-9000-000000000012','01927c3a-0000-7000-8000-00000000a001',18,'yanis','2025-09-15T09:00:18.000Z','step.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","kind":"automated","step_id":"screen"}',0,'c26a23872f544ebc4f486379553584039dc0f539f451cc16de77fe69667f3735','45ae39bbc466374f13680d28164f01b1f0c98d5906505a3b120d7afff3dfb40e');
INSERT INTO "events" VALUES(19,'01927c3b-0013-7000-9000-000000000013','01927c3a-0000-7000-8000-00000000a001',19,'camille','2025-09-15T09:00:19.000Z','step.finished','01927c3a-0003-7000-8000-000000000003','{"blocking":false,"evidence":{"step":"screen"},"job_id":"01927c3a-0006-7000-8000-000000000006","status":"passed","step_id":"screen","summary":{"en":"Good.","fr":"Bon."}}',0,'45ae39bbc466374f13680d28164f01b1f0c98d5906505a3b120d7afff3dfb40e','65af539473ca8c02e3b458d7052044da232003b172959e4b65305ac74772f127');
INSERT INTO "events" VALUES(20,'01927c3b-0014-7000-9000-000000000014','01927c3a-0000-7000-8000-00000000a001',20,'yanis','2025-09-15T09:00:20.000Z','step.started','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","kind":"automated","step_id":"buttons"}',0,'65af539473ca8c02e3b458d7052044da232003b172959e4b65305ac74772f127','3f6f94051644c980e33e0876e6434b5408123f728e8cd7c68d907615ac543dd8');
INSERT INTO "events" VALUES(21,'01927c3b-0015-7000-9000-000000000015','01927c3a-0000-7000-8000-00000000a001',21,'camille','2025-09-15T09:00:21.000Z','step.finished','01927c3a-0003-7000-8000-000000000003','{"blocking":false,"evidence":{"step":"buttons"},"job_id":"01927c3a-0006-7000-8000-000000000006","status":"passed","step_id":"buttons","summary":{"en":"Good.","fr":"Bon."}}',0,'3f6f94051644c980e33e0876e6434b5408123f728e8cd7c68d907615ac543dd8','8bd2bfa4d209aa173e942c6217ce42d23ac6128fc42adaa9bdf32c5bb31481c4');
INSERT INTO "events" VALUES(22,'01927c3b-0016-7000-9000-000000000016','01927c3a-0000-7000-8000-00000000a001',22,'yanis','2025-09-15T09:00:22.000Z','job.finished','01927c3a-0003-7000-8000-000000000003','{"job_id":"01927c3a-0006-7000-8000-000000000006","state":"succeeded"}',0,'8bd2bfa4d209aa173e942c6217ce42d23ac6128fc42adaa9bdf32c5bb31481c4','c90bdee583a47dce779da6c415268268f4ff7c6193492b415b88a68629d3f887');
INSERT INTO "events" VALUES(23,'01927c3b-0017-7000-9000-000000000017','01927c3a-0000-7000-8000-00000000a001',23,'camille','2025-09-15T09:00:23.000Z','grade.assigned','01927c3a-0003-7000-8000-000000000003','{"cosmetic":8,"device_id":"01927c3a-0003-7000-8000-000000000003","functional":"A","reasons":[],"workshop_grade":"Premium"}',0,'c90bdee583a47dce779da6c415268268f4ff7c6193492b415b88a68629d3f887','e720fbc56526330c6aef624c592a753d579b836ef336ad7e3dbb77f70b3e9e64');
INSERT INTO "events" VALUES(24,'01927c3b-0018-7000-9000-000000000018','01927c3a-0000-7000-8000-00000000a001',24,'yanis','2025-09-15T09:00:24.000Z','outcome.recorded','01927c3a-0003-7000-8000-000000000003','{"device_id":"01927c3a-0003-7000-8000-000000000003","kind":"donation","note":"Collège Jean Macé","reference":"BON-2025-118"}',0,'e720fbc56526330c6aef624c592a753d579b836ef336ad7e3dbb77f70b3e9e64','7a9b528c261e7adc735bce79f4740a31920d91b7510e4d8ed99638a5a4695212');
INSERT INTO "events" VALUES(25,'01927c3b-0019-7000-9000-000000000019','01927c3a-0000-7000-8000-00000000a001',25,'camille','2025-09-15T09:00:25.000Z','device.registered','01927c3a-0005-7000-8000-000000000005','{"asset_code":"TEST-2223-B","brand":"Google","device_id":"01927c3a-0005-7000-8000-000000000005","imei":"","kind":"phone","lot_id":null,"model":"Pixel 6","serial":"SIMORIO0004"}',1,'7a9b528c261e7adc735bce79f4740a31920d91b7510e4d8ed99638a5a4695212','e006a9d5e1e0fa79940973eb275062cd32880919376bd3dbfe85af4106ada7f1');
INSERT INTO "events" VALUES(26,'01927c3b-001a-7000-9000-00000000001a','01927c3a-0000-7000-8000-00000000a001',26,'yanis','2025-09-15T09:00:26.000Z','job.created','01927c3a-0005-7000-8000-000000000005','{"device_id":"01927c3a-0005-7000-8000-000000000005","job_id":"01927c3a-0007-7000-8000-000000000007","pipeline":"phone.quick_check","stage_on_success":"diagnosed","steps":["identity","accounts","battery","storage","screen","buttons"]}',1,'e006a9d5e1e0fa79940973eb275062cd32880919376bd3dbfe85af4106ada7f1','67b3c5012a354981888881cd28c02ead38371a689c82e7fb7d6d700a44bacbe5');
INSERT INTO "events" VALUES(27,'01927c3b-001b-7000-9000-00000000001b','01927c3a-0000-7000-8000-00000000a001',27,'camille','2025-09-15T09:00:27.000Z','job.started','01927c3a-0005-7000-8000-000000000005','{"job_id":"01927c3a-0007-7000-8000-000000000007"}',1,'67b3c5012a354981888881cd28c02ead38371a689c82e7fb7d6d700a44bacbe5','b9bdc9cfa088825745b268c05b779d43e705628be75ae2719e176b0214486f00');
INSERT INTO "events" VALUES(28,'01927c3b-001c-7000-9000-00000000001c','01927c3a-0000-7000-8000-00000000a001',28,'yanis','2025-09-15T09:00:28.000Z','step.started','01927c3a-0005-7000-8000-000000000005','{"job_id":"01927c3a-0007-7000-8000-000000000007","step_id":"identity"}',1,'b9bdc9cfa088825745b268c05b779d43e705628be75ae2719e176b0214486f00','5652966e1e5c96e330e1e081f272164234ab915e5c919620e257068b28c083fb');
INSERT INTO "events" VALUES(29,'01927c3b-001d-7000-9000-00000000001d','01927c3a-0000-7000-8000-00000000a001',29,'camille','2025-09-15T09:00:29.000Z','step.finished','01927c3a-0005-7000-8000-000000000005','{"job_id":"01927c3a-0007-7000-8000-000000000007","status":"passed","step_id":"identity","summary":{"en":"Recognised.","fr":"Reconnu."}}',1,'5652966e1e5c96e330e1e081f272164234ab915e5c919620e257068b28c083fb','a4b52f6749cb8cbef92acc196d22f1ad01c40325bb55b276aeeb600151e565be');
INSERT INTO "events" VALUES(30,'01927c3b-001e-7000-9000-00000000001e','01927c3a-0000-7000-8000-00000000a001',30,'yanis','2025-09-15T09:00:30.000Z','step.started','01927c3a-0005-7000-8000-000000000005','{"job_id":"01927c3a-0007-7000-8000-000000000007","step_id":"accounts"}',1,'a4b52f6749cb8cbef92acc196d22f1ad01c40325bb55b276aeeb600151e565be','fef9fce5d049fb776bc91079a343135e10fbcd5bb2aa4fcdd08d5afd0c395cc7');
INSERT INTO "events" VALUES(31,'01927c3b-001f-7000-9000-00000000001f','01927c3a-0000-7000-8000-00000000a001',31,'camille','2025-09-15T09:00:31.000Z','step.failed','01927c3a-0005-7000-8000-000000000005','{"code":"DEVICE_GONE","job_id":"01927c3a-0007-7000-8000-000000000007","message":{"en":"Unplugged.","fr":"Débranché."},"step_id":"accounts"}',1,'fef9fce5d049fb776bc91079a343135e10fbcd5bb2aa4fcdd08d5afd0c395cc7','d37ad9525d955cb5c436cc5a03589cc864a3dc928422d6370ed1a4591b5b9d50');
INSERT INTO "events" VALUES(32,'01927c3b-0020-7000-9000-000000000020','01927c3a-0000-7000-8000-00000000a001',32,'yanis','2025-09-15T09:00:32.000Z','job.interrupted','01927c3a-0005-7000-8000-000000000005','{"job_id":"01927c3a-0007-7000-8000-000000000007","last_finished_step":"identity","message":{"en":"Unplugged.","fr":"Débranché."},"reason":"DEVICE_GONE"}',1,'d37ad9525d955cb5c436cc5a03589cc864a3dc928422d6370ed1a4591b5b9d50','d94c0d37abea660009aecdd9c7e0a8c8e22fea9927708cb87e3900b5bbec6f01');
INSERT INTO "events" VALUES(33,'01927c3b-0021-7000-9000-000000000021','01927c3a-0000-7000-8000-00000000a001',33,'camille','2025-09-15T09:00:33.000Z','job.created','01927c3a-0004-7000-8000-000000000004','{"device_id":"01927c3a-0004-7000-8000-000000000004","job_id":"01927c3a-0008-7000-8000-000000000008","pipeline":"laptop.erase","stage_on_success":"erased","steps":["identity","erase"]}',0,'d94c0d37abea660009aecdd9c7e0a8c8e22fea9927708cb87e3900b5bbec6f01','8d45eb2cbab8a2e72ef739df8a95311b7cb3dcd12deebd109117b8ccd71bfa1c');
INSERT INTO "events" VALUES(34,'01927c3b-0022-7000-9000-000000000022','01927c3a-0000-7000-8000-00000000a001',34,'yanis','2025-09-15T09:00:34.000Z','job.started','01927c3a-0004-7000-8000-000000000004','{"job_id":"01927c3a-0008-7000-8000-000000000008"}',0,'8d45eb2cbab8a2e72ef739df8a95311b7cb3dcd12deebd109117b8ccd71bfa1c','6bedd2d571023da3970d4e8ca8bc2331f9bb5f0067271f76112a0217b9c631b5');
INSERT INTO "events" VALUES(35,'01927c3b-0023-7000-9000-000000000023','01927c3a-0000-7000-8000-00000000a001',35,'camille','2025-09-15T09:00:35.000Z','step.started','01927c3a-0004-7000-8000-000000000004','{"job_id":"01927c3a-0008-7000-8000-000000000008","step_id":"identity"}',0,'6bedd2d571023da3970d4e8ca8bc2331f9bb5f0067271f76112a0217b9c631b5','c2dba9a4885b4df3e85a3a98fcfc851117266075fcc3852a15ca0d3b42116e1e');
CREATE TABLE grades (
            event_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            functional TEXT NOT NULL,
            cosmetic INTEGER NOT NULL,
            workshop_grade TEXT NOT NULL,
            reasons TEXT NOT NULL,
            at TEXT NOT NULL
        );
INSERT INTO "grades" VALUES('01927c3b-0017-7000-9000-000000000017','01927c3a-0003-7000-8000-000000000003','A',8,'Premium','[]','2025-09-15T09:00:23.000Z');
CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            pipeline TEXT NOT NULL,
            steps TEXT NOT NULL,
            stage_on_success TEXT,
            state TEXT NOT NULL,
            current_step TEXT,
            last_finished_step TEXT,
            message TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
INSERT INTO "jobs" VALUES('01927c3a-0006-7000-8000-000000000006','01927c3a-0003-7000-8000-000000000003','phone.quick_check','["identity","accounts","battery","storage","screen","buttons"]','diagnosed','succeeded',NULL,'buttons','{}',0,'2025-09-15T09:00:08.000Z','2025-09-15T09:00:22.000Z');
INSERT INTO "jobs" VALUES('01927c3a-0007-7000-8000-000000000007','01927c3a-0005-7000-8000-000000000005','phone.quick_check','["identity","accounts","battery","storage","screen","buttons"]','diagnosed','interrupted',NULL,'identity','{"en":"Unplugged.","fr":"Débranché."}',1,'2025-09-15T09:00:26.000Z','2025-09-15T09:00:32.000Z');
INSERT INTO "jobs" VALUES('01927c3a-0008-7000-8000-000000000008','01927c3a-0004-7000-8000-000000000004','laptop.erase','["identity","erase"]','erased','running','identity',NULL,'',0,'2025-09-15T09:00:33.000Z','2025-09-15T09:00:35.000Z');
CREATE TABLE "loans" (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL,
            device_id TEXT NOT NULL REFERENCES devices (id),
            kind TEXT NOT NULL,
            beneficiary TEXT NOT NULL DEFAULT '',
            start_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            term_months INTEGER,
            station_id TEXT NOT NULL DEFAULT '',
            since TEXT NOT NULL,
            is_out INTEGER NOT NULL DEFAULT 0,
            signed INTEGER NOT NULL DEFAULT 0,
            signature_sha256 TEXT NOT NULL DEFAULT '',
            signed_at TEXT NOT NULL DEFAULT '',
            signed_by TEXT NOT NULL DEFAULT '',
            months_paid INTEGER NOT NULL DEFAULT 0,
            paid_cents INTEGER NOT NULL DEFAULT 0,
            last_paid_on TEXT NOT NULL DEFAULT '',
            returned_at TEXT,
            return_event_id TEXT,
            condition TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT '',
            training INTEGER NOT NULL DEFAULT 0
        );
CREATE TABLE lots (
            id TEXT PRIMARY KEY,
            donor_id TEXT NOT NULL REFERENCES donors (id),
            received_on TEXT NOT NULL,
            agreement_ref TEXT NOT NULL DEFAULT '',
            expected_count INTEGER,
            training INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
INSERT INTO "lots" VALUES('01927c3a-0002-7000-8000-000000000002','01927c3a-0001-7000-8000-000000000001','2025-09-15','CONV-2025-031',2,0,'2025-09-15T09:00:02.000Z');
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO "meta" VALUES('station_id','01927c3a-0000-7000-8000-00000000a001');
INSERT INTO "meta" VALUES('station_prefix','K7QX');
INSERT INTO "meta" VALUES('schema_version','9');
CREATE TABLE outcomes (
            event_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL REFERENCES devices (id),
            kind TEXT NOT NULL,
            reference TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
INSERT INTO "outcomes" VALUES('01927c3b-0018-7000-9000-000000000018','01927c3a-0003-7000-8000-000000000003','donation','BON-2025-118','Collège Jean Macé','2025-09-15T09:00:24.000Z');
CREATE TABLE parts_given (
            event_id TEXT PRIMARY KEY,
            donor_id TEXT NOT NULL,
            receiver_id TEXT NOT NULL,
            part TEXT NOT NULL,
            at TEXT NOT NULL
        );
CREATE TABLE step_results (
            job_id TEXT NOT NULL REFERENCES jobs (id),
            step_id TEXT NOT NULL,
            status TEXT NOT NULL,
            summary TEXT NOT NULL,
            evidence TEXT NOT NULL,
            blocking INTEGER NOT NULL DEFAULT 0,
            finished_at TEXT NOT NULL,
            event_id TEXT NOT NULL,
            PRIMARY KEY (job_id, step_id)
        );
INSERT INTO "step_results" VALUES('01927c3a-0006-7000-8000-000000000006','identity','passed','{"en":"Good.","fr":"Bon."}','{"step":"identity"}',0,'2025-09-15T09:00:11.000Z','01927c3b-000b-7000-9000-00000000000b');
INSERT INTO "step_results" VALUES('01927c3a-0006-7000-8000-000000000006','accounts','passed','{"en":"Good.","fr":"Bon."}','{"step":"accounts"}',0,'2025-09-15T09:00:13.000Z','01927c3b-000d-7000-9000-00000000000d');
INSERT INTO "step_results" VALUES('01927c3a-0006-7000-8000-000000000006','battery','passed','{"en":"Good.","fr":"Bon."}','{"step":"battery"}',0,'2025-09-15T09:00:15.000Z','01927c3b-000f-7000-9000-00000000000f');
INSERT INTO "step_results" VALUES('01927c3a-0006-7000-8000-000000000006','storage','passed','{"en":"Good.","fr":"Bon."}','{"step":"storage"}',0,'2025-09-15T09:00:17.000Z','01927c3b-0011-7000-9000-000000000011');
INSERT INTO "step_results" VALUES('01927c3a-0006-7000-8000-000000000006','screen','passed','{"en":"Good.","fr":"Bon."}','{"step":"screen"}',0,'2025-09-15T09:00:19.000Z','01927c3b-0013-7000-9000-000000000013');
INSERT INTO "step_results" VALUES('01927c3a-0006-7000-8000-000000000006','buttons','passed','{"en":"Good.","fr":"Bon."}','{"step":"buttons"}',0,'2025-09-15T09:00:21.000Z','01927c3b-0015-7000-9000-000000000015');
INSERT INTO "step_results" VALUES('01927c3a-0007-7000-8000-000000000007','identity','passed','{"en":"Recognised.","fr":"Reconnu."}','{}',0,'2025-09-15T09:00:29.000Z','01927c3b-001d-7000-9000-00000000001d');
CREATE INDEX events_device ON events (device_id);
CREATE INDEX events_type ON events (type);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE INDEX devices_serial ON devices (serial);
CREATE INDEX devices_imei ON devices (imei);
CREATE INDEX devices_lot ON devices (lot_id);
CREATE INDEX jobs_device ON jobs (device_id);
CREATE INDEX jobs_state ON jobs (state);
CREATE INDEX grades_device ON grades (device_id);
CREATE INDEX outcomes_device ON outcomes (device_id);
CREATE INDEX erasures_device ON erasures (device_id);
CREATE INDEX events_beneficiary ON events (json_extract(payload, '$.beneficiary'))
            WHERE json_valid(payload) AND json_extract(payload, '$.beneficiary') IS NOT NULL;
CREATE INDEX events_type_ts ON events (type, ts, station_id, device_id);
CREATE INDEX outcomes_at ON outcomes (at);
CREATE INDEX outcomes_kind_at ON outcomes (kind, at);
CREATE INDEX grades_at ON grades (at);
CREATE INDEX devices_serial_key ON devices (upper(replace(serial, ' ', '')));
CREATE INDEX devices_imei_key ON devices (replace(replace(imei, ' ', ''), '-', ''));
CREATE INDEX device_references_device ON device_references (device_id);
CREATE TRIGGER device_search_ai AFTER INSERT ON device_search BEGIN
            INSERT INTO device_search_fts (rowid, model, donor, beneficiary)
            VALUES (new.id, new.model, new.donor, new.beneficiary);
        END;
CREATE TRIGGER device_search_ad AFTER DELETE ON device_search BEGIN
            INSERT INTO device_search_fts (device_search_fts, rowid, model, donor, beneficiary)
            VALUES ('delete', old.id, old.model, old.donor, old.beneficiary);
        END;
CREATE TRIGGER device_search_au AFTER UPDATE ON device_search BEGIN
            INSERT INTO device_search_fts (device_search_fts, rowid, model, donor, beneficiary)
            VALUES ('delete', old.id, old.model, old.donor, old.beneficiary);
            INSERT INTO device_search_fts (rowid, model, donor, beneficiary)
            VALUES (new.id, new.model, new.donor, new.beneficiary);
        END;
CREATE INDEX loans_device ON loans (device_id);
CREATE INDEX loans_out ON loans (is_out, training, kind, due_on);
CREATE INDEX events_loan ON events (json_extract(payload, '$.loan_id'))
            WHERE type IN ('loan.signed', 'loan.paid', 'loan.returned');
CREATE INDEX parts_given_donor ON parts_given (donor_id);
CREATE INDEX parts_given_receiver ON parts_given (receiver_id);
PRAGMA writable_schema=OFF;
COMMIT;
