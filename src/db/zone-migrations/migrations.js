import journal from './meta/_journal.json';
import m0000 from './0000_narrow_slapstick.sql';
import m0001 from './0001_faulty_rocket_raccoon.sql';
import m0002 from './0002_tiny_gunslinger.sql';
import m0003 from './0003_glossy_george_stacy.sql';
import m0004 from './0004_amused_prima.sql';
import m0005 from './0005_brainy_colossus.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005
    }
  }
  